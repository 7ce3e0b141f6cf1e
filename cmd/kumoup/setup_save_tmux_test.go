package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// The audit's case: a user without root fills the wizard on the real
// host; writing is refused, and s saves the answers for sudo to finish.
func TestSetupWithoutRootOnTheHostSavesTheAnswersForSudoKumoupApply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and drives it in tmux as user nobody")
	}
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to user nobody: run it as root")
	}
	if _, err := os.Stat(writer.AnswersFilePath); !errors.Is(err, fs.ErrNotExist) {
		t.Skipf("this host has a deployment (%s): the test runs setup on the real host and needs a fresh one", writer.AnswersFilePath)
	}
	bin := buildKumoup(t)
	home, err := os.MkdirTemp("", "kumoup-home")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	s := newScreen(t, "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="+home+" "+bin+" setup")
	s.fillWizard()
	s.waitFor("s: save the answers")
	s.Keys("s")
	s.waitFor("Answers saved in")

	dir := filepath.Join(home, writer.DefaultSaveDir)
	saved := filepath.Join(dir, writer.SavedAnswersName)
	for p, want := range map[string]fs.FileMode{
		dir:   0o700 | fs.ModeDir,
		saved: 0o600,
		filepath.Join(dir, writer.SavedInjectionTokenName): 0o600,
		filepath.Join(dir, writer.SavedWebhookTokenName):   0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want || fi.Sys().(*syscall.Stat_t).Uid != 65534 {
			t.Errorf("%s: mode %v uid %d, want %v owned by nobody", p, fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid, want)
		}
	}
	tok, _ := os.ReadFile(filepath.Join(dir, writer.SavedInjectionTokenName))
	token := strings.TrimSpace(string(tok))
	if token == "" {
		t.Fatal("no injection token saved")
	}

	// q leaves cleanly (no "aborted", no 130): the answers were saved.
	s.Keys("q")
	s.waitFor("EXIT=0")
	all := s.Scrollback()
	if strings.Contains(all, token) {
		t.Fatal("the injection token was shown on the terminal")
	}
	if !strings.Contains(strings.ReplaceAll(all, "\n", ""), "sudo kumoup apply --answers "+saved) {
		t.Fatalf("after quitting, the terminal does not say how to finish:\n%s", all)
	}
	if _, err := os.Stat(writer.AnswersFilePath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("setup without root wrote %s: %v", writer.AnswersFilePath, err)
	}

	// root finishes (under a --root here, to leave this host alone).
	root := t.TempDir()
	r := kumoup(t, "apply", "--answers", saved, "--root", root)
	if r.code != exitOK || !strings.Contains(r.stdout, "read from "+filepath.Join(dir, writer.SavedInjectionTokenName)) {
		t.Fatalf("apply of the saved answers, exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	d, err := writer.Load(writer.Layout{Root: root})
	if err != nil || d.InjectionToken != token || d.Domain != "mta.example.com" {
		t.Fatalf("applied deployment %s (token kept: %v): %v", d.Domain, d.InjectionToken == token, err)
	}
}
