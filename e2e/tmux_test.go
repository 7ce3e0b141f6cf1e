package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/tmuxtest"
)

// terminal is a bash in a real terminal (internal/tmuxtest), sized like a
// person's terminal. Everything a test does goes through the keyboard and
// the screen.
type terminal struct {
	*tmuxtest.Session
}

// termOptions say how the terminal starts.
type termOptions struct {
	Width, Height int
	// Env is added to the shell's environment ("NAME=value").
	Env []string
	// Term is the TERM inside tmux ("" means tmux-256color).
	Term string
}

// newTerminal starts a bash, at its prompt, whose PATH starts with the
// directory of the built kumoup. It is killed when the test ends.
func newTerminal(t testing.TB, opt termOptions) *terminal {
	t.Helper()
	need(t, "tmux", "tmux")
	bin := kumoup(t)
	if opt.Term == "" {
		opt.Term = "tmux-256color"
	}
	dir := t.TempDir()
	rc := filepath.Join(dir, "bashrc")
	// tmux gives the shell its client's PATH whatever -e says: set it
	// here.
	profile := fmt.Sprintf("PS1='$ '\nunset PROMPT_COMMAND\nexport PATH=%s:\"$PATH\" TERM=%s\n", filepath.Dir(bin), opt.Term)
	if err := os.WriteFile(rc, []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	term := &terminal{tmuxtest.Start(t, tmuxtest.Options{
		Width: opt.Width, Height: opt.Height, Env: opt.Env, Term: opt.Term, History: 5000,
		Command: []string{"bash", "--noprofile", "--rcfile", rc, "-i"},
	})}
	term.WaitFor(promptRE, 10*time.Second)
	return term
}

// typeLine types s as literal text followed by Enter, as a person would.
func (term *terminal) typeLine(s string) {
	term.Type(s)
	term.Keys("Enter")
}

// frame draws a screen capture inside a box so blank lines stay visible in
// test output.
func frame(screen string) string { return tmuxtest.Frame(screen, 80) }

// promptRE matches the shell's prompt alone on a line (capture-pane drops
// trailing spaces).
const promptRE = `^\$\s*$`

// lastLines returns the last n non-blank lines of s.
func lastLines(s string, n int) string { return tmuxtest.LastLines(s, n) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
