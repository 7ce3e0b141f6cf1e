package ui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// serviceHostAt is a host whose systemd directory (made when systemd is
// true) and nginx pid file (pid written unless "-") are in a temporary
// directory.
func serviceHostAt(t *testing.T, systemd bool, pid string) writer.ServiceHost {
	t.Helper()
	dir := t.TempDir()
	h := writer.ServiceHost{SystemdDir: filepath.Join(dir, "systemd", "system"), NginxPidFile: filepath.Join(dir, "nginx.pid")}
	if systemd {
		if err := os.MkdirAll(h.SystemdDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if pid != "-" {
		if err := os.WriteFile(h.NginxPidFile, []byte(pid), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// defaultStepsOn lists the MTA host's next steps on h (not run).
func defaultStepsOn(t *testing.T, h writer.ServiceHost) []step {
	t.Helper()
	m := atConnection(t, 80, 24)
	m.opt.serviceHost = h
	m = send(m, press("enter"))
	return m.nextStepsScreen().steps
}

func stepTitled(t *testing.T, steps []step, prefix string) step {
	t.Helper()
	i := slices.IndexFunc(steps, func(s step) bool { return strings.HasPrefix(s.title, prefix) })
	if i < 0 {
		t.Fatalf("no step %q", prefix)
	}
	return steps[i]
}

// TestReloadNginxStepChoosesItsCommandAsTheHostRunsNginx: the wizard's
// Reload nginx reloads as kumoup cert does, chosen as it runs: systemd
// where it runs, else a signal to the live nginx, else nginx started (the
// empty pid file `nginx -t` leaves is a stopped nginx).
func TestReloadNginxStepChoosesItsCommandAsTheHostRunsNginx(t *testing.T) {
	live := strconv.Itoa(os.Getpid()) + "\n"
	for _, c := range []struct {
		name    string
		systemd bool
		pid     string
		want    string
	}{
		{"systemd", true, live, "systemctl reload-or-restart nginx"},
		{"no systemd, nginx running", false, live, "nginx -s reload"},
		{"no systemd, nginx stopped", false, "-", "nginx"},
		{"no systemd, the empty pid file of nginx -t", false, "", "nginx"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := stepTitled(t, defaultStepsOn(t, serviceHostAt(t, c.systemd, c.pid)), "Reload nginx")
			if s.command == nil {
				t.Fatal("the reload step's command is fixed, not chosen as it runs")
			}
			argv, why := s.command(t.Context())
			if got := strings.Join(argv, " "); got != c.want || why != "" {
				t.Errorf("chose %q (%q), want %q", got, why, c.want)
			}
		})
	}
}

// TestSystemdStepsSayWhyWithoutSystemd: without systemd, daemon-reload
// and the restart of kumomta do not apply; each says why and what to do
// instead (the restart: kumod with the environment file's variables).
// With systemd they run their systemctl command.
func TestSystemdStepsSayWhyWithoutSystemd(t *testing.T) {
	l := atConnection(t, 80, 24).opt.Layout
	for _, c := range []struct {
		title string
		argv  string
		fix   []string
	}{
		{"Load the environment file", "systemctl daemon-reload", []string{l.SystemdDropIn(), "are not used here"}},
		{"Restart KumoMTA", "systemctl restart kumomta", []string{"set -a && . " + l.EnvFile() + " && set +a && " + l.Kumod() + " --policy " + l.PolicyInit() + " --user kumod"}},
	} {
		t.Run(c.title, func(t *testing.T) {
			h := serviceHostAt(t, false, "-")
			argv, why := stepTitled(t, defaultStepsOn(t, h), c.title).command(t.Context())
			if argv != nil {
				t.Errorf("without systemd it runs %q", argv)
			}
			for _, want := range append([]string{"systemd does not run on this host (no " + h.SystemdDir + "): "}, c.fix...) {
				if !strings.Contains(why, want) {
					t.Errorf("the reason %q lacks %q", why, want)
				}
			}
			argv, why = stepTitled(t, defaultStepsOn(t, serviceHostAt(t, true, "-")), c.title).command(t.Context())
			if strings.Join(argv, " ") != c.argv || why != "" {
				t.Errorf("with systemd: %q (%q), want %q", argv, why, c.argv)
			}
		})
	}
}

// TestNextStepsShowTheCommandRunAndGoOnPastOneThatDoesNotApply: the list
// shows a chosen step's usual command and what else it may run; once it
// ran, the command it ran. A step that does not apply on this host is
// marked so with its reason, and the steps after it run.
func TestNextStepsShowTheCommandRunAndGoOnPastOneThatDoesNotApply(t *testing.T) {
	noSystemd := serviceHostAt(t, false, "-")
	chosen := reloadNginxStep(noSystemd)
	chosen.command = func(context.Context) ([]string, string) { return []string{"sh", "-c", "echo chosen ran"}, "" }
	m := atNextSteps(t, true, []step{
		chosen,
		systemdStep(noSystemd, "Load the unit", []string{"sh", "-c", "echo must not run"}, "do it by hand"),
		{title: "after", argv: []string{"sh", "-c", "echo after ran"}},
	})
	before := screenText(m)
	for _, want := range []string{"systemctl reload-or-restart nginx", "without systemd: nginx -s reload, or nginx when it is stopped"} {
		if !strings.Contains(before, want) {
			t.Errorf("before running, the screen lacks %q:\n%s", want, before)
		}
	}
	nm, cmd := m.Update(press("r"))
	m = settle(nm.(Model), cmd)
	s := screenText(m)
	flat := strings.Join(strings.Fields(s), " ")
	for _, want := range []string{"1. Reload nginx ✓ done", "sh -c echo chosen ran", "│ chosen ran",
		"2. Load the unit - not applicable here", "systemd does not run on this host", "do it by hand", "3. after ✓ done", "│ after ran"} {
		if !strings.Contains(flat, want) {
			t.Errorf("after running, the screen lacks %q:\n%s", want, s)
		}
	}
	for _, gone := range []string{"systemctl reload-or-restart", "without systemd:", "│ must not run"} {
		if strings.Contains(s, gone) {
			t.Errorf("after running, the screen still shows %q:\n%s", gone, s)
		}
	}
}
