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
	got := wrapDiff("          + ", "         ↪+ ", l, 60)
	if len(got) < 2 {
		t.Fatalf("not wrapped: %q", got)
	}
	var text []string
	for _, g := range got {
		if ansi.StringWidth(g) > 60 {
			t.Errorf("%q is wider than 60", g)
		}
		text = append(text, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(g), "↪"), "+")))
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

func TestARemovedLuaCommentIsDrawnAsARemovedLineNotAFileHeader(t *testing.T) {
	st := NewStyles(true)
	header := diffLines("--- /etc/kumoup/kumoup.lua (now)", true, st, 80)
	removed := diffLines("--- the webhook's bearer token", false, st, 80)
	if want := st.Muted.Render("          --- /etc/kumoup/kumoup.lua (now)"); header[0] != want {
		t.Errorf("the file header is drawn %q, want %q", header[0], want)
	}
	if want := st.DiffDel.Render("          --- the webhook's bearer token"); removed[0] != want {
		t.Errorf("a removed Lua comment is drawn %q, want it as a removed line %q", removed[0], want)
	}
}

func TestWithoutColorTheContinuationOfAnAddedOrRemovedLineKeepsItsMarker(t *testing.T) {
	st := NewStyles(false)
	long := "local path = '/tmp/kumoup-demo-1452467414/host/opt/kumomta/etc/policy/?.lua;' .. package.path -- the policy directory"
	for _, marker := range []string{"+", "-"} {
		lines := diffLines(marker+long, false, st, 60)
		if len(lines) < 2 {
			t.Fatalf("%s: not wrapped: %q", marker, lines)
		}
		for i, l := range lines[1:] {
			if !strings.HasPrefix(ansi.Strip(l), "         ↪"+marker) {
				t.Errorf("%s: continuation %d %q does not carry the marker: it reads as context", marker, i+1, l)
			}
		}
	}
	// Context continues as context.
	for _, l := range diffLines(" "+long, false, st, 60)[1:] {
		if s := ansi.Strip(l); strings.Contains(s, "↪+") || strings.Contains(s, "↪-") {
			t.Errorf("a context line's continuation %q is marked added or removed", s)
		}
	}
}

func TestWrappingNeverBreaksInsideALuaStringAFlagOrAPath(t *testing.T) {
	for _, s := range []string{
		"package.path = '/tmp/kumoup-demo-1452467414/host/opt/kumomta/etc/policy/?.lua;' .. package.path",
		"curl --connect-to mta.example.com:443:127.0.0.1:18443 --cacert /tmp/kumoup-demo-1/ca.pem https://mta.example.com/metrics",
		"the token include /etc/nginx/kumoup/mta-east.example.com.tokens is missing: run kumoup apply --answers FILE",
	} {
		words := strings.Fields(s)
		longest := 0
		for _, w := range words {
			longest = max(longest, ansi.StringWidth(w))
		}
		for _, w := range []int{longest, longest + 7, longest + 20} {
			lines := wrapLines(s, w)
			var got []string
			for _, l := range lines {
				got = append(got, strings.Fields(l)...)
			}
			// Every word is on one line, whole, at any width that holds
			// the longest (only a word wider than the line is cut).
			if strings.Join(got, "|") != strings.Join(words, "|") {
				t.Errorf("at %d cells a word was broken:\n%s", w, strings.Join(lines, "\n"))
			}
		}
	}
}
