package main

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
)

// commandPaths is every command under root, as typed after kumoup ("" for
// root itself, "policy validate").
func commandPaths(root *cobra.Command) []string {
	out := []string{""}
	var walk func(c *cobra.Command, prefix string)
	walk = func(c *cobra.Command, prefix string) {
		for _, sub := range c.Commands() {
			if sub.Hidden {
				continue
			}
			out = append(out, prefix+sub.Name())
			walk(sub, prefix+sub.Name()+" ")
		}
	}
	walk(root, "")
	return out
}

// TestHelpFitsAn80ColumnTerminal runs every command's --help in a real
// 80-column terminal (fang sizes its help to the terminal, up to 120):
// no line may be wider (tmux joins a wrapped line back with -J), and no
// markup (a backquoted flag value) shows literally.
func TestHelpFitsAn80ColumnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and runs it in tmux")
	}
	bin := buildKumoup(t)
	for _, c := range commandPaths(newRootCmd()) {
		t.Run("kumoup "+c, func(t *testing.T) {
			s := newScreen(t, bin+" "+c+" --help")
			s.waitFor("EXIT=0")
			for _, l := range strings.Split(s.ScrollbackJoined(), "\n") {
				l = strings.TrimRight(l, " ")
				if w := ansi.StringWidth(l); w > 80 {
					t.Errorf("%d columns: %q", w, l)
				}
				if strings.Contains(l, "`DIR`") || strings.Contains(l, "`FILE`") {
					t.Errorf("literal backquotes: %q", l)
				}
				if strings.HasSuffix(l, "…") {
					t.Errorf("cut (an example fang shortened): %q", l)
				}
			}
		})
	}
}

func TestWrapUsageLeavesRoomForTheDefaultValue(t *testing.T) {
	got := wrapUsage("each check's own time limit (the whole sweep gets twice that)", 40, len(" (5s)"))
	for i, l := range strings.Split(got, "\n") {
		limit := 40
		if i == strings.Count(got, "\n") {
			limit -= len(" (5s)")
		}
		if len(l) > limit {
			t.Errorf("line %d %q is wider than %d", i, l, limit)
		}
	}
	if strings.Join(strings.Fields(got), " ") != "each check's own time limit (the whole sweep gets twice that)" {
		t.Errorf("wrapping changed the words: %q", got)
	}
}

func TestLongExamplesWrapAsOneCommandWithinFangsCodeBlock(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"fits", "  kumoup status --list", []string{"  kumoup status --list"}},
		{"at spaces, a backslash at each break",
			"  sudo kumoup status --format prometheus --output /var/lib/prometheus/node-exporter/kumoup.prom",
			[]string{"  sudo kumoup status --format prometheus --output \\", "  /var/lib/prometheus/node-exporter/kumoup.prom"}},
		{"a quoted argument and a redirection stay whole",
			"  kumoup prometheus --host mta1.example.com --host 'mta2 example' --flag-x > prometheus.yml",
			[]string{"  kumoup prometheus --host mta1.example.com --host 'mta2 example' \\", "  --flag-x > prometheus.yml"}},
		{"a comment goes on as a comment",
			"  # On each MTA host, where kumoup status runs from a timer and writes the textfile collector's file:",
			[]string{"  # On each MTA host, where kumoup status runs from a timer and writes the", "  # textfile collector's file:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", Example: c.in}
			fitExamples(cmd)
			got := strings.Split(cmd.Example, "\n")
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
			for i, l := range got {
				w := exampleWidth
				if i > 0 && strings.HasSuffix(got[i-1], "\\") {
					w -= exampleIndent
				}
				if n := len([]rune(strings.TrimSpace(l))); n > w {
					t.Errorf("line %d is %d cells, more than fang shows (%d): %q", i, n, w, l)
				}
			}
		})
	}
}

// TestLongHelpLinesFitFangsTextWidth: fang wraps a command's long help to
// the terminal less two cells of margin, at spaces and also at '-', so a
// longer line breaks a flag ("--" then "apply") or a table's column.
// (The command lists are measured in tmux, TestHelpFitsAn80ColumnTerminal.)
func TestLongHelpLinesFitFangsTextWidth(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "completion" {
			return // cobra's own text
		}
		for _, l := range strings.Split(c.Long, "\n") {
			if n := len([]rune(strings.ReplaceAll(l, "`", ""))); n > helpWidth-2 {
				t.Errorf("%s: a long help line of %d cells, more than %d: %q", c.CommandPath(), n, helpWidth-2, l)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}
