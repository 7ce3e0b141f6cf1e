package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// screen is a tmux session at 80x24 running one command, read as a person
// would read it. Each screen has its own tmux server (its socket in a
// temporary directory, no user configuration), so an operator's tmux is
// never touched.
type screen struct {
	t      *testing.T
	name   string
	socket string
}

func newScreen(t *testing.T, command string) *screen {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: apt-get install -y tmux")
	}
	// A short directory: a socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "kumoup-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &screen{t: t, name: fmt.Sprintf("kumoup-ui-%d", time.Now().UnixNano()), socket: filepath.Join(dir, "tmux.sock")}
	out, err := s.tmux("-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", "80", "-y", "24",
		"env", "TERM=xterm-256color", "sh", "-c", command+"; echo EXIT=$?; sleep 60").CombinedOutput()
	if err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { s.tmux("kill-server").Run() })
	return s
}

// tmux is a command to the screen's own tmux server.
func (s *screen) tmux(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-S", s.socket}, args...)...)
}

// keys sends tmux key names (Enter, Escape, C-c) or, with literal, text.
func (s *screen) keys(literal bool, keys ...string) {
	args := []string{"send-keys", "-t", s.name}
	if literal {
		args = append(args, "-l")
	}
	if out, err := s.tmux(append(args, keys...)...).CombinedOutput(); err != nil {
		s.t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
}

// capture returns the visible screen, or with history everything the
// terminal still holds (its scrollback).
func (s *screen) capture(history bool) string {
	args := []string{"capture-pane", "-p", "-t", s.name}
	if history {
		args = append(args, "-S", "-")
	}
	out, err := s.tmux(args...).Output()
	if err != nil {
		s.t.Fatalf("tmux capture-pane: %v", err)
	}
	return string(out)
}

func (s *screen) waitFor(re string) {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(20 * time.Second)
	for !rx.MatchString(s.capture(false)) {
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %q; the screen is:\n%s", re, s.capture(false))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fillWizard starts the setup wizard and answers every field as an
// operator of mta.example.com would, leaving the other fields at their
// defaults.
func (s *screen) fillWizard() {
	s.t.Helper()
	s.waitFor("Press enter to start")
	s.keys(false, "Enter")
	field := func(title, text string) {
		s.waitFor("┃ " + regexp.QuoteMeta(title))
		if text != "" {
			s.keys(true, text)
		}
		s.keys(false, "Enter")
	}
	field("Public name of the MTA host", "mta.example.com")
	field("TLS certificate", "")
	field("TLS private key", "")
	field("Largest injection body", "")
	field("Let's Encrypt e-mail", "")
	field("Injection token", "")
	field("App webhook URL", "https://app.example.com/webhooks/kumomta")
	field("Webhook token", "")
	field("KumoProxy host", "10.0.0.5")
	field("KumoProxy port", "")
	field("Public egress IP", "203.0.113.7")
	field("HELO name", "mta.example.com")
}

func TestSetupInATerminalLeavesNoSecretInTheScrollback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and drives it in tmux")
	}
	bin, root := buildKumoup(t), t.TempDir()
	s := newScreen(t, bin+" setup --root "+root)
	s.fillWizard()
	s.waitFor("Write 6 file")
	s.keys(false, "Enter")
	s.waitFor("Every file is in place")
	s.keys(false, "Enter")
	s.waitFor("Auth secret")

	d, err := writer.Load(writer.Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	s.keys(false, "v")
	s.waitFor(regexp.QuoteMeta(d.InjectionToken))
	s.keys(false, "q")
	s.waitFor("EXIT=0")
	all := s.capture(true)
	if strings.Contains(all, d.InjectionToken) || strings.Contains(all, d.WebhookToken) {
		t.Fatalf("a secret is left in the terminal after exit:\n%s", all)
	}
	// What the operator keeps: the connection values, masked, and the
	// next steps, printed once the alternate screen is gone.
	for _, want := range []string{"App connection (KumoMTA screen)", "Base URL          https://mta.example.com", model.Fingerprint(d.InjectionToken), "Next steps", "nginx -t && systemctl reload nginx"} {
		if !strings.Contains(all, want) {
			t.Errorf("after quitting a finished setup the terminal lacks %q:\n%s", want, all)
		}
	}
	if fi, err := os.Stat(writer.Layout{Root: root}.EnvFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("environment file: %v %v, want mode 0600", fi, err)
	}
}

func TestCtrlCInTheWizardExits130AndWritesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and drives it in tmux")
	}
	bin, root := buildKumoup(t), t.TempDir()
	s := newScreen(t, bin+" setup --root "+root)
	s.waitFor("Press enter to start")
	s.keys(false, "Enter")
	s.waitFor("┃ Public name of the MTA host")
	s.keys(true, "mta.example.com")
	s.keys(false, "C-c")
	s.waitFor("EXIT=130")
	if !strings.Contains(s.capture(false), "aborted: nothing was written") {
		t.Fatalf("no abort message:\n%s", s.capture(false))
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("ctrl+c left %d entries in the root", len(entries))
	}
}
