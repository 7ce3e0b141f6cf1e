package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// demoRun is one `kumoup demo` started in a terminal whose TMPDIR is the
// test's, so the demo's directory and nginx pid file can be found.
type demoRun struct {
	term   *terminal
	tmpdir string
}

func startDemo(t *testing.T, opt termOptions, args string) *demoRun {
	t.Helper()
	tmpdir := t.TempDir()
	// nginx workers (nobody) must traverse up to the demo's directory.
	for _, d := range []string{filepath.Dir(tmpdir), tmpdir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opt.Env = append(opt.Env, "TMPDIR="+tmpdir)
	term := newTerminal(t, opt)
	term.typeLine(strings.TrimSpace("kumoup demo " + args))
	return &demoRun{term: term, tmpdir: tmpdir}
}

// dir is the demo's temporary directory, once it exists.
func (d *demoRun) dir(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(d.tmpdir, "kumoup-demo-*"))
		if len(m) == 1 {
			return m[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no demo directory in %s after 15s:\n%s", d.tmpdir, lastLines(d.term.Scrollback(), 60))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nginxPid is the pid of the demo's nginx master.
func (d *demoRun) nginxPid(t *testing.T) int {
	t.Helper()
	file := filepath.Join(d.dir(t), "nginx", "nginx.pid")
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, err := os.ReadFile(file)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no nginx pid in %s after 15s (%v):\n%s", file, err, frame(d.term.Screen()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parentPid reads pid's parent from /proc.
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}

// processGone waits until pid does not exist any more.
func processGone(t *testing.T, what string, pid int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil && strings.Contains(string(b), ") Z ") {
			return // exited, waiting to be reaped by a parent that is gone too
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) is still running %s after it was told to stop", what, pid, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dirGone(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo's directory %s is still there after it stopped", dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDemoLeavesNothingRunning(t *testing.T) {
	need(t, "nginx", "nginx")
	for _, how := range []string{"ctrl+c", "SIGTERM", "terminal closed"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, termOptions{}, "")
			nginx := d.nginxPid(t)
			dir := d.dir(t)
			demo := parentPid(t, nginx)
			d.term.WaitFor(demoReadyRE, 20*time.Second)
			switch how {
			case "ctrl+c":
				d.term.Keys("C-c")
				d.term.WaitFor(promptRE, 15*time.Second)
			case "SIGTERM":
				if err := syscall.Kill(demo, syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				d.term.WaitFor(promptRE, 15*time.Second)
			default:
				d.term.Tmux("kill-server")
			}
			processGone(t, "nginx", nginx, 15*time.Second)
			processGone(t, "kumoup demo", demo, 15*time.Second)
			dirGone(t, dir)
		})
	}
}

// demoReadyRE matches the first screen `kumoup demo` shows once its servers
// run.
const demoReadyRE = `Setup\s+preflight`

// filesUnder lists the regular files below dir (none when it is missing).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// foreground returns the pid of the program the pane's shell runs now.
func (term *terminal) foreground(t *testing.T) int {
	t.Helper()
	shell := term.PanePID()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(shell), "task", strconv.Itoa(shell), "children"))
	if err != nil {
		t.Fatal(err)
	}
	kids := strings.Fields(string(b))
	if len(kids) != 1 {
		t.Fatalf("the shell runs %d programs, want 1: %v", len(kids), kids)
	}
	pid, _ := strconv.Atoi(kids[0])
	return pid
}

// SIGTERM (systemd, timeout, kill) ends the wizard promptly and restores
// the terminal: Bubble Tea's own signal handler must not race with the
// context that carries the signal.
func TestSetupWizardStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	term := newTerminal(t, termOptions{})
	term.typeLine("kumoup setup --root " + t.TempDir())
	term.WaitFor(`Setup\s+preflight`, 20*time.Second)
	pid := term.foreground(t)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	processGone(t, "kumoup setup", pid, 10*time.Second)
	term.WaitFor(promptRE, 5*time.Second)
}

// --keep leaves the written files to look at, and says where; the servers
// still stop.
func TestDemoKeepLeavesTheFilesAndSaysWhere(t *testing.T) {
	t.Parallel()
	d := startDemo(t, termOptions{}, "--no-nginx --dashboard --keep")
	d.term.WaitFor(`Checks\s+\d+✓`, 20*time.Second)
	dir := d.dir(t)
	d.term.Keys("q")
	d.term.WaitFor(promptRE, 15*time.Second)
	if !strings.Contains(strings.ReplaceAll(d.term.Scrollback(), "\n", ""), "files kept in "+dir) {
		t.Errorf("--keep does not say where the files are (%s):\n%s", dir, lastLines(d.term.Scrollback(), 8))
	}
	if _, err := os.Stat(filepath.Join(dir, "host", "etc", "default", "kumomta")); err != nil {
		t.Errorf("--keep: %v", err)
	}
}
