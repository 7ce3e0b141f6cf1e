package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// terminal is one tmux server with one window running bash, sized like a
// person's terminal. Everything a test does goes through the keyboard
// (send-keys) and the screen (capture-pane).
type terminal struct {
	t      testing.TB
	tmux   string
	socket string
}

// termOptions say how the terminal starts.
type termOptions struct {
	Width, Height int
	// Env is added to the shell's environment ("NAME=value").
	Env []string
	// Term is the TERM inside tmux ("" means tmux-256color).
	Term string
}

// newTerminal starts a tmux server on its own socket with a bash whose PATH
// starts with the directory of the built kumoup. It is killed when the test
// ends.
func newTerminal(t testing.TB, opt termOptions) *terminal {
	t.Helper()
	tmux := need(t, "tmux", "tmux")
	bin := kumoup(t)
	if opt.Width == 0 {
		opt.Width, opt.Height = 80, 24
	}
	if opt.Term == "" {
		opt.Term = "tmux-256color"
	}
	dir := t.TempDir()
	rc := filepath.Join(dir, "bashrc")
	// tmux gives the shell its client's PATH and its own TERM whatever -e
	// says: set them here.
	profile := fmt.Sprintf("PS1='$ '\nunset PROMPT_COMMAND\nexport PATH=%s:\"$PATH\" TERM=%s\n", filepath.Dir(bin), opt.Term)
	if err := os.WriteFile(rc, []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, tmux: tmux, socket: filepath.Join(dir, "tmux.sock")}
	args := []string{"-f", "/dev/null", "new-session", "-d",
		"-x", fmt.Sprint(opt.Width), "-y", fmt.Sprint(opt.Height),
	}
	for _, e := range opt.Env {
		args = append(args, "-e", e)
	}
	args = append(args, "bash", "--noprofile", "--rcfile", rc, "-i")
	term.run(args...)
	term.run("set-option", "-g", "history-limit", "5000")
	term.run("set-option", "-g", "status", "off")
	t.Cleanup(func() {
		// Whatever still runs in the pane when the test ends (a kumoup
		// that failed to stop) must not outlive the test.
		procs := term.descendants()
		_ = exec.Command(tmux, "-S", term.socket, "kill-server").Run()
		time.Sleep(200 * time.Millisecond)
		for _, pid := range procs {
			if syscall.Kill(pid, 0) == nil {
				t.Logf("killing pid %d, still running after the test's terminal closed", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	term.waitFor(promptRE, 10*time.Second)
	return term
}

func (term *terminal) run(args ...string) string {
	term.t.Helper()
	cmd := exec.Command(term.tmux, append([]string{"-S", term.socket}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	out, err := cmd.CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// typeLine types s as literal text followed by Enter, as a person would.
func (term *terminal) typeLine(s string) {
	term.t.Helper()
	term.typeText(s)
	term.keys("Enter")
}

// typeText types s as literal text.
func (term *terminal) typeText(s string) {
	term.t.Helper()
	term.run("send-keys", "-l", s)
}

// keys sends tmux key names ("Enter", "Tab", "Escape", "C-c", "Down").
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	term.run(append([]string{"send-keys"}, keys...)...)
}

// screen is what the terminal shows now, as text.
func (term *terminal) screen() string {
	term.t.Helper()
	return term.run("capture-pane", "-p")
}

// screenANSI is what the terminal shows now, with colors as escapes.
func (term *terminal) screenANSI() string {
	term.t.Helper()
	return term.run("capture-pane", "-p", "-e")
}

// scrollback is everything the terminal kept: the history and the screen.
func (term *terminal) scrollback() string {
	term.t.Helper()
	return term.run("capture-pane", "-p", "-S", "-")
}

// waitFor polls the screen until pattern matches, and returns the screen.
// At the deadline the test fails showing the last screen.
func (term *terminal) waitFor(pattern string, timeout time.Duration) string {
	term.t.Helper()
	screen, ok := term.poll(pattern, timeout)
	if !ok {
		term.t.Fatalf("after %s the screen does not match /%s/:\n%s\nscrollback:\n%s", timeout, pattern, frame(screen), lastLines(term.scrollback(), 60))
	}
	return screen
}

// poll is waitFor without failing: it reports whether pattern appeared.
func (term *terminal) poll(pattern string, timeout time.Duration) (string, bool) {
	term.t.Helper()
	return term.pollEvery(pattern, timeout, 100*time.Millisecond)
}

// pollEvery is poll, reading the screen every interval.
func (term *terminal) pollEvery(pattern string, timeout, interval time.Duration) (string, bool) {
	term.t.Helper()
	re := regexp.MustCompile(`(?m)` + pattern)
	deadline := time.Now().Add(timeout)
	for {
		screen := term.screen()
		if re.MatchString(screen) {
			return screen, true
		}
		if time.Now().After(deadline) {
			return screen, false
		}
		time.Sleep(interval)
	}
}

// frame draws a screen capture inside a box so blank lines stay visible in
// test output.
func frame(screen string) string {
	var b strings.Builder
	b.WriteString("+" + strings.Repeat("-", 80) + "\n")
	for _, line := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		b.WriteString("|" + line + "\n")
	}
	b.WriteString("+" + strings.Repeat("-", 80))
	return b.String()
}

// promptRE matches the shell's prompt alone on a line (capture-pane drops
// trailing spaces).
const promptRE = `^\$\s*$`

// lastLines returns the last n non-blank lines of s.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// descendants lists every process below the pane's shell.
func (term *terminal) descendants() []int {
	out, err := exec.Command(term.tmux, "-S", term.socket, "display-message", "-p", "#{pane_pid}").Output()
	if err != nil {
		return nil
	}
	shell, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return nil
	}
	var all []int
	var walk func(pid int)
	walk = func(pid int) {
		b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(pid), "children"))
		for _, f := range strings.Fields(string(b)) {
			if kid, err := strconv.Atoi(f); err == nil {
				all = append(all, kid)
				walk(kid)
			}
		}
	}
	walk(shell)
	return all
}
