package main

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/internal/helpfit"
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
			if n := len([]rune(strings.ReplaceAll(l, "`", ""))); n > helpfit.Width-2 {
				t.Errorf("%s: a long help line of %d cells, more than %d: %q", c.CommandPath(), n, helpfit.Width-2, l)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}
