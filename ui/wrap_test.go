package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestLongCommandsWrapWithBackslashesAndStayOneCommand(t *testing.T) {
	cmd := "certbot certonly --webroot -w /tmp/kumoup-demo-1452467414/host/var/www/letsencrypt -d mta.demo.kumoup.test"
	lines := wrapCommand(cmd, 60)
	if len(lines) < 2 {
		t.Fatalf("a %d-cell command in 60 cells was not wrapped: %q", len(cmd), lines)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("line %d is %d cells, more than 60: %q", i, w, l)
		}
		if last := i == len(lines)-1; strings.HasSuffix(l, " \\") == last {
			t.Errorf("line %d: want %q to end with a backslash continuation unless it is the last", i, l)
		}
	}
	// What the shell sees: the continuations joined back.
	joined := strings.Join(strings.Fields(strings.ReplaceAll(strings.Join(lines, "\n"), " \\\n", " ")), " ")
	if joined != cmd {
		t.Errorf("pasted back the command reads\n%q\nwant\n%q", joined, cmd)
	}
	if got := wrapCommand("nginx -t", 60); len(got) != 1 || got[0] != "nginx -t" {
		t.Errorf("a short command changed: %q", got)
	}
}

func TestCommandsNeverWrapInsideQuotes(t *testing.T) {
	lines := wrapCommand("ufw allow 22/tcp comment 'SSH (kumoup) and a long explanation'", 30)
	for _, l := range lines {
		if strings.Count(l, "'")%2 != 0 {
			t.Errorf("a quoted word was split: %q", lines)
		}
	}
}

func TestLuaLinesWrapOutsideStringsAndCommentsStayComments(t *testing.T) {
	code := "package.path = '/tmp/kumoup-demo-1452467414/host/opt/kumomta/etc/policy/?.lua;' .. package.path"
	lines := wrapLua(code, 70)
	if len(lines) < 2 {
		t.Fatalf("a %d-cell line in 70 cells was not wrapped: %q", len(code), lines)
	}
	str := "'/tmp/kumoup-demo-1452467414/host/opt/kumomta/etc/policy/?.lua;'"
	whole := false
	for i, l := range lines {
		whole = whole || strings.Contains(l, str)
		if i > 0 && !strings.HasPrefix(l, "  ") {
			t.Errorf("continuation %q is not indented", l)
		}
	}
	if !whole {
		t.Errorf("the string literal was split: %q", lines)
	}
	if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); got != code {
		t.Errorf("the wrapped lines read %q, want %q", got, code)
	}
	comment := "-- kumoup: the deployment kumoup manages (/tmp/kumoup-demo-1452467414/host/opt/kumomta/etc/policy/kumoup.lua)."
	for i, l := range wrapLua(comment, 70) {
		if !strings.HasPrefix(l, "--") {
			t.Errorf("comment line %d lost its --: %q", i, l)
		}
	}
}

func TestReviewWrapsLongFileLinesInsteadOfCuttingThem(t *testing.T) {
	l := "# Secrets live in /tmp/kumoup-ui-golden-review/etc/default/kumomta and the token include."
	got := wrapDiff("          + ", l, 60)
	if len(got) < 2 {
		t.Fatalf("not wrapped: %q", got)
	}
	var text []string
	for _, g := range got {
		if ansi.StringWidth(g) > 60 {
			t.Errorf("%q is wider than 60", g)
		}
		text = append(text, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(g), "+")))
	}
	noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if joined := strings.Join(text, " "); noSpace(joined) != noSpace(l) {
		t.Errorf("wrapped text reads %q, want every word of %q", joined, l)
	}
}

func TestLongPathsBreakAfterASlashAndKeepEveryCharacter(t *testing.T) {
	p := "/nonexistent/kumoup-golden/etc/systemd/system/kumomta.service.d/kumoup.conf"
	got := wrapPath(p, 40)
	if strings.Join(got, "") != p {
		t.Fatalf("pieces %q do not make the path back", got)
	}
	for i, l := range got {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("piece %q is wider than 40", l)
		}
		if i < len(got)-1 && !strings.HasSuffix(l, "/") {
			t.Errorf("piece %q does not end at a slash", l)
		}
	}
	if got := wrapPath("/etc/default/kumomta", 40); len(got) != 1 {
		t.Errorf("a short path was cut: %q", got)
	}
}

func TestDiskFreeLocationsAreNeverSplitAcrossLines(t *testing.T) {
	parts := []string{"data spool 71%", "log dir /var/log/kumomta 64%", "meta spool 71%"}
	if got := joinFitting(parts, " · ", 80); len(got) != 1 {
		t.Errorf("three locations that fit in 80 cells took %d lines: %q", len(got), got)
	}
	got := joinFitting(parts, " · ", 32)
	want := []string{"data spool 71%", "log dir /var/log/kumomta 64%", "meta spool 71%"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("in 32 cells got %q, want %q", got, want)
	}
}
