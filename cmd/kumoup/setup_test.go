package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/ui"
)

// withoutTerminal points stdin and stdout at pipes, as under cron, CI or
// `ssh host kumoup` without -t, for the duration of the test.
func withoutTerminal(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldIn, oldOut := os.Stdin, os.Stdout
	os.Stdin, os.Stdout = r, w
	t.Cleanup(func() {
		os.Stdin, os.Stdout = oldIn, oldOut
		r.Close()
		w.Close()
	})
}

func TestUIWithoutATerminalExitsTwoPointingToTheScriptableCommands(t *testing.T) {
	for _, args := range [][]string{nil, {"setup"}, {"setup", "--root", "/nonexistent"}} {
		t.Run(strings.Join(append([]string{"kumoup"}, args...), " "), func(t *testing.T) {
			withoutTerminal(t)
			res := kumoup(t, args...)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", res.code, exitUsage, res.stderr)
			}
			for _, want := range []string{"no terminal", "kumoup apply --answers FILE", "kumoup status"} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("message lacks %q: %s", want, res.stderr)
				}
			}
		})
	}
}

func TestDashboardWithoutATerminalExitsTwo(t *testing.T) {
	withoutTerminal(t)
	res := kumoup(t, "dashboard", "--root", t.TempDir())
	if res.code != exitUsage || !strings.Contains(res.stderr, "kumoup status") || !strings.Contains(res.stderr, "kumoup metrics") {
		t.Fatalf("exit %d, stderr %q: want 2 pointing to kumoup status and kumoup metrics", res.code, res.stderr)
	}
}

func TestConnectToParsesCurlSyntax(t *testing.T) {
	from, to, err := probes.ParseConnectTo("mta.example.com:443:127.0.0.1:8443")
	if err != nil || from != "mta.example.com:443" || to != "127.0.0.1:8443" {
		t.Fatalf("got %q %q %v", from, to, err)
	}
	if _, _, err := probes.ParseConnectTo("mta.example.com:443"); err == nil || !strings.Contains(err.Error(), "HOST:PORT:ADDR:PORT") {
		t.Fatalf("a short value is not refused with the syntax: %v", err)
	}
}

func TestKumoupOpensTheWizardOnAFreshHostAndTheDashboardOnceSetUp(t *testing.T) {
	root := t.TempDir()
	opt, err := uiOptions(setupOptions{root: root}, ui.StartDashboard)
	if err != nil || opt.Start != ui.StartWizard || opt.Prefill != nil {
		t.Fatalf("fresh host: start %v prefill %v err %v, want the wizard from the defaults", opt.Start, opt.Prefill, err)
	}
	if r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root); r.code != 0 {
		t.Fatalf("apply: exit %d: %s", r.code, r.stderr)
	}
	opt, err = uiOptions(setupOptions{root: root}, ui.StartDashboard)
	if err != nil || opt.Start != ui.StartDashboard || opt.Prefill == nil || opt.Prefill.Domain != "mta.example.com" {
		t.Fatalf("set-up host: start %v err %v, want the dashboard on the deployment", opt.Start, err)
	}
	opt, err = uiOptions(setupOptions{root: root}, ui.StartWizard)
	if err != nil || opt.Start != ui.StartWizard || opt.Prefill == nil || opt.Prefill.InjectionToken == "" {
		t.Fatalf("setup: start %v err %v, want the wizard prefilled with the tokens on disk", opt.Start, err)
	}
}

func TestSetupWithARelativeRootWritesUnderItsAbsolutePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	opt, err := uiOptions(setupOptions{root: "tree"}, ui.StartWizard)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "tree"); opt.Layout.Root != want {
		t.Fatalf("layout root %q, want the absolute %q (paths inside the files must resolve anywhere)", opt.Layout.Root, want)
	}
}
