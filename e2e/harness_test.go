package e2e

import (
	"testing"
	"time"
)

// These check the harness itself, so a failure elsewhere is about kumoup.

func TestTerminalShowsWhatIsTyped(t *testing.T) {
	t.Parallel()
	term := newTerminal(t, termOptions{})
	term.typeLine("echo hello-$((6*7))")
	term.WaitFor(`^hello-42$`, 5*time.Second)
	term.typeLine("tput cols; tput lines")
	term.WaitFor(`^80\n24$`, 5*time.Second)
}

func TestSSHSessionReachesTheLoopbackServer(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	term := newTerminal(t, termOptions{})
	term.typeLine(s.Command("'tty; echo remote-$((6*7))'"))
	term.WaitFor(`^/dev/pts/\d+\s*\n.*remote-42`, 15*time.Second)
}
