package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/tmuxtest"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// screen is one command in a real terminal at 80x24 (internal/tmuxtest),
// read as a person would read it. The command is followed by EXIT=<its
// exit code>, and the terminal keeps what it shows once it ended.
type screen struct {
	*tmuxtest.Session
	t *testing.T
}

func newScreen(t *testing.T, command string) *screen {
	t.Helper()
	return &screen{t: t, Session: tmuxtest.Start(t, tmuxtest.Options{
		Term: "xterm-256color", KeepOpen: true,
		Command: []string{"sh", "-c", command + "; echo EXIT=$?"},
	})}
}

// waitLimit is how long waitFor waits for a screen.
const waitLimit = 20 * time.Second

// waitFor waits, within waitLimit, until re shows on the screen.
func (s *screen) waitFor(re string) string {
	s.t.Helper()
	return s.WaitFor(re, waitLimit)
}

// fillWizard starts the setup wizard and answers every field as an
// operator of mta.example.com would, leaving the other fields at their
// defaults.
func (s *screen) fillWizard() {
	s.t.Helper()
	s.waitFor("Press enter to start")
	s.Keys("Enter")
	field := func(title, text string) {
		s.waitFor("┃ " + regexp.QuoteMeta(title))
		if text != "" {
			s.Type(text)
		}
		s.Keys("Enter")
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
	s.Keys("Enter")
	s.waitFor("Every file is in place")
	s.Keys("Enter")
	s.waitFor("Auth secret")

	d, err := writer.Load(writer.Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	s.Keys("v")
	s.waitFor(regexp.QuoteMeta(d.InjectionToken))
	s.Keys("q")
	s.waitFor("EXIT=0")
	all := s.Scrollback()
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
	s.Keys("Enter")
	s.waitFor("┃ Public name of the MTA host")
	s.Type("mta.example.com")
	s.Keys("C-c")
	s.waitFor("EXIT=130")
	if !strings.Contains(s.Screen(), "aborted: nothing was written") {
		t.Fatalf("no abort message:\n%s", s.Screen())
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("ctrl+c left %d entries in the root", len(entries))
	}
}
