// Package tmuxtest runs a program in a real terminal for tests, read as a
// person reads it: a tmux server of its own (its socket in a temporary
// directory, no user configuration, so an operator's tmux is never
// touched) with one session at a given size; keys are sent as a person
// types them, the screen and the scrollback are read back as text, and
// waiting is polling the screen until a pattern shows, within a time limit.
// When the test ends the server is killed, and whatever the session started
// that still runs.
package tmuxtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options say how the session starts.
type Options struct {
	// Width and Height are the terminal's size; 80x24 when zero.
	Width, Height int
	// Env is added to the command's environment ("NAME=value").
	Env []string
	// Term is the TERM the command sees; empty leaves tmux's. (tmux sets
	// its own TERM in a pane whatever Env says.)
	Term string
	// History is how many lines the pane keeps above its screen; 0 leaves
	// tmux's default (2000).
	History int
	// KeepOpen keeps the terminal, and what it shows, once the command
	// exits, until the test ends.
	KeepOpen bool
	// Command is the program the pane runs and its arguments.
	Command []string
}

// Session is one tmux server running one session.
type Session struct {
	t      testing.TB
	tmux   string
	socket string
	name   string
	width  int
}

// PollInterval is how often WaitFor and the other waits read the screen.
const PollInterval = 50 * time.Millisecond

// Start starts opt.Command in a new session on a tmux server of its own.
// The test fails when tmux is not installed or the session does not start.
func Start(t testing.TB, opt Options) *Session {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is not installed: apt-get install -y tmux")
	}
	if len(opt.Command) == 0 {
		t.Fatal("tmuxtest.Start: no command")
	}
	if opt.Width == 0 || opt.Height == 0 {
		opt.Width, opt.Height = 80, 24
	}
	// A short directory: a socket's path must fit in 108 bytes, and
	// t.TempDir's names the test.
	dir, err := os.MkdirTemp("", "kumoup-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Session{t: t, tmux: tmux, socket: filepath.Join(dir, "tmux.sock"),
		name: fmt.Sprintf("kumoup-test-%d", time.Now().UnixNano()), width: opt.Width}

	// Server options first, in the same invocation: they then apply to
	// the session's pane (history-limit is read when a pane is made).
	args := []string{"-f", "/dev/null", "set-option", "-g", "status", "off", ";"}
	if opt.History > 0 {
		args = append(args, "set-option", "-g", "history-limit", strconv.Itoa(opt.History), ";")
	}
	args = append(args, "new-session", "-d", "-s", s.name, "-x", strconv.Itoa(opt.Width), "-y", strconv.Itoa(opt.Height))
	for _, e := range opt.Env {
		args = append(args, "-e", e)
	}
	if opt.Term != "" {
		args = append(args, "env", "TERM="+opt.Term)
	}
	if opt.KeepOpen {
		// Not tmux's remain-on-exit: a pane whose program exits can lose
		// the output tmux had not read yet.
		args = append(args, "sh", "-c", `"$@"; exec sleep infinity`, "sh")
	}
	args = append(args, opt.Command...)
	s.Tmux(args...)
	t.Cleanup(s.Kill)
	return s
}

// Tmux runs a tmux command on the session's own server and returns its
// output; the test fails when it fails.
func (s *Session) Tmux(args ...string) string {
	s.t.Helper()
	out, err := s.tmuxCmd(args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *Session) tmuxCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(s.tmux, append([]string{"-S", s.socket}, args...)...)
	// tmux refuses to start without a usable TERM (go test may have none).
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	return cmd
}

// Type sends text as typed, literally.
func (s *Session) Type(text string) {
	s.t.Helper()
	s.Tmux("send-keys", "-t", s.name, "-l", text)
}

// Keys sends tmux key names: "Enter", "Escape", "Tab", "Down", "NPage",
// "C-c".
func (s *Session) Keys(keys ...string) {
	s.t.Helper()
	s.Tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// Screen is what the terminal shows now, as text.
func (s *Session) Screen() string {
	s.t.Helper()
	return s.Tmux("capture-pane", "-p", "-t", s.name)
}

// ScreenANSI is what the terminal shows now, colors and attributes as
// escape sequences.
func (s *Session) ScreenANSI() string {
	s.t.Helper()
	return s.Tmux("capture-pane", "-p", "-e", "-t", s.name)
}

// Scrollback is everything the terminal keeps: its history and the
// screen.
func (s *Session) Scrollback() string {
	s.t.Helper()
	return s.Tmux("capture-pane", "-p", "-S", "-", "-t", s.name)
}

// ScrollbackJoined is Scrollback with the lines the terminal wrapped
// joined back (as they were written).
func (s *Session) ScrollbackJoined() string {
	s.t.Helper()
	return s.Tmux("capture-pane", "-p", "-J", "-S", "-", "-t", s.name)
}

// Poll reads the screen every interval until pattern (a regular
// expression, ^ and $ at line ends) matches or timeout passes, and returns
// the last screen and whether it matched.
func (s *Session) Poll(pattern string, timeout, interval time.Duration) (string, bool) {
	s.t.Helper()
	re := regexp.MustCompile(`(?m)` + pattern)
	deadline := time.Now().Add(timeout)
	for {
		screen := s.Screen()
		if re.MatchString(screen) {
			return screen, true
		}
		if time.Now().After(deadline) {
			return screen, false
		}
		time.Sleep(interval)
	}
}

// WaitFor waits until pattern shows on the screen and returns the screen.
// At the deadline the test fails, showing the screen and the end of the
// scrollback.
func (s *Session) WaitFor(pattern string, timeout time.Duration) string {
	s.t.Helper()
	screen, ok := s.Poll(pattern, timeout, PollInterval)
	if !ok {
		s.t.Fatalf("after %s the screen does not match /%s/:\n%s\nscrollback:\n%s", timeout, pattern, Frame(screen, s.width), LastLines(s.Scrollback(), 60))
	}
	return screen
}

// ScreensUntil returns every distinct screen seen, read every interval,
// until one matches pattern (the last); at the deadline the test fails.
// It shows what a program drew while it worked.
func (s *Session) ScreensUntil(pattern string, timeout, interval time.Duration) []string {
	s.t.Helper()
	re := regexp.MustCompile(`(?m)` + pattern)
	deadline := time.Now().Add(timeout)
	var seen []string
	for {
		screen := s.Screen()
		if len(seen) == 0 || seen[len(seen)-1] != screen {
			seen = append(seen, screen)
		}
		if re.MatchString(screen) {
			return seen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("after %s the screen does not match /%s/:\n%s", timeout, pattern, Frame(screen, s.width))
		}
		time.Sleep(interval)
	}
}

// ScrollUntil presses key (a tmux key name: "NPage", "Down") until pattern
// shows on the screen, and returns the screen. After each press it waits
// for the screen to change; when it stops changing (the end of what
// scrolls) or after max presses without the pattern, the test fails.
func (s *Session) ScrollUntil(pattern, key string, max int) string {
	s.t.Helper()
	re := regexp.MustCompile(`(?m)` + pattern)
	screen := s.Screen()
	for range max {
		if re.MatchString(screen) {
			return screen
		}
		s.Keys(key)
		next, changed := s.waitChange(screen, 2*time.Second)
		screen = next
		if !changed {
			break
		}
	}
	if !re.MatchString(screen) {
		s.t.Fatalf("pressing %s: no /%s/; the screen is:\n%s", key, pattern, Frame(screen, s.width))
	}
	return screen
}

// waitChange waits until the screen differs from before.
func (s *Session) waitChange(before string, timeout time.Duration) (string, bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.Screen()
		if screen != before {
			return screen, true
		}
		if time.Now().After(deadline) {
			return screen, false
		}
		time.Sleep(PollInterval)
	}
}

// PanePID is the pid of the program the pane runs (Options.Command).
func (s *Session) PanePID() int {
	s.t.Helper()
	pid, err := s.panePID()
	if err != nil {
		s.t.Fatalf("the pane's pid: %v", err)
	}
	return pid
}

// Descendants lists the processes below the pane's program, children
// first; none once the server is gone.
func (s *Session) Descendants() []int {
	pid, err := s.panePID()
	if err != nil {
		return nil
	}
	return descendants(pid)
}

func descendants(pid int) []int {
	var all []int
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
	for _, f := range strings.Fields(string(b)) {
		if kid, err := strconv.Atoi(f); err == nil {
			all = append(all, kid)
			all = append(all, descendants(kid)...)
		}
	}
	return all
}

// Kill ends the session: its tmux server (which hangs up on the pane), then
// whatever the pane's program started that still runs a second later (a
// program that failed to stop must not outlive the test). Only processes
// the session started are signalled. Kill runs when the test ends; a test
// calls it to close the terminal.
func (s *Session) Kill() {
	procs := s.Descendants()
	if pid, err := s.panePID(); err == nil {
		procs = append([]int{pid}, procs...)
	}
	_ = s.tmuxCmd("kill-server").Run()
	if gone(procs, time.Second) {
		return
	}
	for _, pid := range procs {
		if alive(pid) {
			s.t.Logf("killing pid %d, still running after the test's terminal closed", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	gone(procs, 5*time.Second)
}

// gone waits until none of pids runs, and reports whether none does.
func gone(pids []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if !slices.ContainsFunc(pids, alive) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Session) panePID() (int, error) {
	out, err := s.tmuxCmd("display-message", "-p", "-t", s.name, "#{pane_pid}").Output()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// alive reports whether pid runs (a zombie, waiting for its parent to
// reap it, does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the command's closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// Frame draws a screen inside a box of width columns, so that blank lines
// stay visible in a test's output.
func Frame(screen string, width int) string {
	var b strings.Builder
	b.WriteString("+" + strings.Repeat("-", width) + "\n")
	for _, line := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		b.WriteString("|" + line + "\n")
	}
	b.WriteString("+" + strings.Repeat("-", width))
	return b.String()
}

// LastLines returns the last n lines of text that are not blank.
func LastLines(text string, n int) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
