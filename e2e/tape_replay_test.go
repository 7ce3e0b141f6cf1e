package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tapeWaitTimeout is VHS's default Wait timeout.
const tapeWaitTimeout = 15 * time.Second

// tapeMaxSleep caps the tape's Sleeps in the replay: they pace the
// recording for viewers; the Waits do the synchronising.
const tapeMaxSleep = 700 * time.Millisecond

// replayTape runs cmds in term the way VHS would, at the terminal's size:
// typing, keys, sleeps (capped) and waits. It returns an error naming the
// first Wait whose screen did not come within its timeout (capped by
// maxWait when non-zero). Screenshots are captured as text into dir.
func replayTape(t *testing.T, term *terminal, cmds []tapeCommand, dir string, maxWait time.Duration) error {
	t.Helper()
	typing := 50 * time.Millisecond
	for _, c := range cmds {
		switch {
		case c.Name == "Set" && c.Args[0] == "TypingSpeed":
			if d, err := tapeDuration(c.Args[1]); err == nil {
				typing = d
			}
		case c.Name == "Set" && c.Args[0] == "Shell":
			if c.Args[1] != "bash" {
				t.Fatalf("demo.tape:%d: the replay runs bash, the tape asks for %s", c.Line, c.Args[1])
			}
		case tapeSetup[c.Name], c.Name == "Hide", c.Name == "Show":
		case c.Name == "Type":
			term.Type(c.Args[0])
		case c.Name == "Sleep":
			d, _ := tapeDuration(c.Args[0])
			time.Sleep(min(d, tapeMaxSleep))
		case c.Name == "Wait":
			if err := replayWait(term, c, maxWait); err != nil {
				return err
			}
		case c.Name == "Screenshot":
			name := filepath.Join(dir, filepath.Base(c.Args[0])+".txt")
			if err := os.WriteFile(name, []byte(term.Screen()), 0o644); err != nil {
				t.Fatal(err)
			}
		case c.Name == "Env":
			term.typeLine("export " + c.Args[0] + "=" + strconv.Quote(strings.Join(c.Args[1:], " ")))
		default:
			key, ok := tapeKeys[c.Name]
			if m := modifiers.FindStringSubmatch(c.Name); m != nil {
				key, ok = tmuxModifiers(c.Name), true
			}
			if !ok {
				t.Fatalf("demo.tape:%d: the replay cannot do %s", c.Line, c.Raw)
			}
			n := 1
			if len(c.Args) == 1 {
				n, _ = strconv.Atoi(c.Args[0])
			}
			gap := typing
			if c.Speed > 0 {
				gap = c.Speed
			}
			for range n {
				term.Keys(key)
				time.Sleep(gap)
			}
		}
	}
	return nil
}

// tmuxModifiers turns VHS's "Ctrl+C" or "Alt+Shift+x" into tmux's "C-c",
// "M-X".
func tmuxModifiers(name string) string {
	parts := strings.Split(name, "+")
	key := parts[len(parts)-1]
	prefix := ""
	for _, m := range parts[:len(parts)-1] {
		switch m {
		case "Ctrl":
			prefix += "C-"
			key = strings.ToLower(key)
		case "Alt":
			prefix += "M-"
		case "Shift":
			key = strings.ToUpper(key)
		}
	}
	if k, ok := tapeKeys[key]; ok {
		key = k
	}
	return prefix + key
}

func replayWait(term *terminal, c tapeCommand, maxWait time.Duration) error {
	timeout := tapeWaitTimeout
	if c.Speed > 0 {
		timeout = c.Speed
	}
	if maxWait > 0 {
		timeout = min(timeout, maxWait)
	}
	pattern := promptRE
	if len(c.Args) == 1 {
		pattern = c.Args[0]
	}
	re := regexp.MustCompile(`(?m)` + pattern)
	deadline := time.Now().Add(timeout)
	for {
		screen := term.Screen()
		target := screen
		if c.Scope != "+Screen" {
			// +Line (the default) looks at the last line with text.
			target = lastLines(screen, 1)
		}
		if re.MatchString(target) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo.tape:%d: %s: not on the screen after %s:\n%s", c.Line, c.Raw, timeout, frame(screen))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The tape, replayed at 80x24 against the built kumoup: every key reaches
// the screen the tape expects next, and the demo stops at the end.
func TestTapeReplaysInTmuxAt80x24(t *testing.T) {
	t.Parallel()
	need(t, "nginx", "nginx")
	cmds := readTape(t)
	tmpdir := t.TempDir()
	for _, d := range []string{filepath.Dir(tmpdir), tmpdir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	term := newTerminal(t, termOptions{Env: []string{"TMPDIR=" + tmpdir}})
	shots := t.TempDir()
	if err := replayTape(t, term, cmds, shots, 0); err != nil {
		t.Fatal(err)
	}
	term.WaitFor(promptRE, 15*time.Second)
	if left, _ := filepath.Glob(filepath.Join(tmpdir, "kumoup-demo-*")); len(left) != 0 {
		t.Errorf("the demo left %v after the tape's end", left)
	}
	shot, err := os.ReadFile(filepath.Join(shots, "demo-dashboard.png.txt"))
	if err != nil {
		t.Fatalf("the tape takes no dashboard screenshot: %v", err)
	}
	if !strings.Contains(string(shot), "Dashboard") {
		t.Errorf("the tape's screenshot is not the dashboard:\n%s", frame(string(shot)))
	}
}

// A tape whose keys do not lead where its Waits say fails at that Wait:
// the replay can catch a stale tape. Here the Enter that leaves the
// preflight is dropped.
func TestTapeReplayCatchesAKeyThatIsMissing(t *testing.T) {
	t.Parallel()
	need(t, "nginx", "nginx")
	var cmds []tapeCommand
	dropped := false
	for _, c := range readTape(t) {
		if !dropped && c.Name == "Enter" && len(cmds) > 0 && cmds[len(cmds)-1].Name == "Sleep" &&
			strings.Contains(strings.Join(cmdsArgs(cmds), " "), "preflight") {
			dropped = true
			continue
		}
		cmds = append(cmds, c)
		if dropped && c.Name == "Wait" {
			break
		}
	}
	if !dropped {
		t.Fatal("the tape has no Enter after the preflight to drop")
	}
	term := newTerminal(t, termOptions{})
	err := replayTape(t, term, cmds, t.TempDir(), 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "step 1 of 4") {
		t.Errorf("replay without the Enter: %v, want the Wait for step 1 to fail", err)
	}
	term.Keys("C-c")
	term.WaitFor(promptRE, 15*time.Second)
}

// cmdsArgs lists every argument of cmds, for finding where a tape is.
func cmdsArgs(cmds []tapeCommand) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Args...)
	}
	return out
}
