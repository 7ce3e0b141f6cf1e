package tmuxtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSessionRunsTheCommandAtItsSizeWithItsEnvironment(t *testing.T) {
	s := Start(t, Options{Width: 100, Height: 30, Env: []string{"GREETING=hello"}, Term: "xterm-256color",
		Command: []string{"sh", "-c", `echo "$GREETING-$((6*7)) $TERM"; tput cols; tput lines; read line; echo "got $line"; sleep 300`}})
	screen := s.WaitFor(`^hello-42 xterm-256color\n100\n30$`, 10*time.Second)
	if strings.Contains(screen, "got") {
		t.Fatalf("the command went on before it was typed to:\n%s", screen)
	}
	s.Type("typed text")
	s.Keys("Enter")
	s.WaitFor(`^got typed text$`, 10*time.Second)
}

func TestScrollbackKeepsTheHistoryAskedFor(t *testing.T) {
	s := Start(t, Options{History: 5000, KeepOpen: true,
		Command: []string{"sh", "-c", `i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); done; echo done`}})
	s.WaitFor(`^done$`, 10*time.Second)
	all := s.Scrollback()
	for _, want := range []string{"line 1\n", "line 2999\n", "done"} {
		if !strings.Contains(all, want) {
			t.Errorf("the scrollback lacks %q (tmux's default keeps 2000 lines)", want)
		}
	}
	if strings.Contains(s.Screen(), "line 1\n") {
		t.Error("the screen shows the first line: nothing scrolled")
	}
}

func TestPollGivesUpAtItsTimeLimit(t *testing.T) {
	s := Start(t, Options{Command: []string{"sh", "-c", "echo present; sleep 300"}})
	s.WaitFor(`present`, 10*time.Second)
	start := time.Now()
	screen, ok := s.Poll(`absent`, 300*time.Millisecond, PollInterval)
	if ok || !strings.Contains(screen, "present") {
		t.Errorf("Poll matched %v on:\n%s", ok, screen)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Poll gave up after %s, before its limit", d)
	}
}

func TestScrollUntilPressesTheKeyUntilThePatternShows(t *testing.T) {
	// less pages through 100 numbered lines on a 24-line screen.
	s := Start(t, Options{Command: []string{"sh", "-c", "seq 1 100 | less"}})
	s.WaitFor(`^1$`, 10*time.Second)
	screen := s.ScrollUntil(`^77$`, "NPage", 10)
	if strings.Contains(screen, "\n1\n") {
		t.Errorf("the screen did not scroll:\n%s", screen)
	}
}

func TestKillEndsWhatTheSessionStarted(t *testing.T) {
	// The child ignores the hang-up the end of the terminal sends.
	s := Start(t, Options{Command: []string{"sh", "-c", `trap "" HUP; sleep 300 & echo "child $!"; wait`}})
	screen := s.WaitFor(`^child \d+$`, 10*time.Second)
	var child int
	if _, err := fmt.Sscanf(screen[strings.Index(screen, "child "):], "child %d", &child); err != nil {
		t.Fatal(err)
	}
	kids := s.Descendants()
	if len(kids) != 1 || kids[0] != child {
		t.Fatalf("descendants %v, want [%d]", kids, child)
	}
	s.Kill()
	if alive(child) {
		t.Errorf("pid %d runs after Kill", child)
	}
}
