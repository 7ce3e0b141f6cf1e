package main

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestHelpFitsAn80ColumnTerminal runs every command's --help in a real
// 80-column terminal (fang sizes its help to the terminal, up to 120):
// no line may be wider (tmux joins a wrapped line back with -J), and no
// markup (a backquoted flag value) shows literally.
func TestHelpFitsAn80ColumnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and runs it in tmux")
	}
	bin := buildKumoup(t)
	for _, c := range []string{"", "setup", "apply", "status", "metrics", "dashboard", "demo", "firewall", "proxy", "completion"} {
		t.Run("kumoup "+c, func(t *testing.T) {
			s := newScreen(t, bin+" "+c+" --help")
			s.waitFor("EXIT=0")
			out, err := s.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", s.name).Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(out), "\n") {
				l = strings.TrimRight(l, " ")
				if w := ansi.StringWidth(l); w > 80 {
					t.Errorf("%d columns: %q", w, l)
				}
				if strings.Contains(l, "`DIR`") || strings.Contains(l, "`FILE`") {
					t.Errorf("literal backquotes: %q", l)
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
