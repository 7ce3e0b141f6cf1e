package demo

import (
	"os"
	"testing"

	"github.com/kumoup/kumoup/internal/hostpaths"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
	"github.com/kumoup/kumoup/probes"
)

// TestDemoRemediesNameTheDemosTree: with the demo's files broken (no
// systemd drop-in, a policy module without request_body_limit, an init.lua
// that does not use it, loose modes), no check's detail, remedy or skip
// reason sends the operator to a host path: everything named is in the
// demo's directory.
func TestDemoRemediesNameTheDemosTree(t *testing.T) {
	for _, noNginx := range []bool{true, false} {
		name := "behind nginx"
		if noNginx {
			name = "without nginx"
		} else {
			loopbacktest.NeedNginx(t)
		}
		t.Run(name, func(t *testing.T) {
			env := start(t, t.Context(), Config{NoNginx: noNginx, Prewrite: true})
			l := env.Layout
			for _, err := range []error{
				os.Remove(l.SystemdDropIn()),
				os.WriteFile(l.LuaModule(), []byte("kumo.start_http_listener { listen = '127.0.0.1:8000' }\n"), 0o644),
				os.WriteFile(l.PolicyInit(), []byte("-- nothing\n"), 0o644),
				os.Chmod(l.EnvFile(), 0o644),
				os.Chmod(l.TokenFile(env.Deployment.Domain), 0o644),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			target := env.Target()
			judged := 0
			for _, r := range probes.Run(t.Context(), &target, env.Checks()) {
				if r.Status == probes.StatusFail || r.Status == probes.StatusWarn {
					judged++
				}
				for what, text := range map[string]string{"detail": r.Detail, "remedy": r.Remedy} {
					if bad := hostpaths.Outside(text, env.Dir); len(bad) > 0 {
						t.Errorf("%s (%s) %s names host paths %q outside the demo's directory %s:\n%s", r.ID, r.Status, what, bad, env.Dir, text)
					}
				}
			}
			if judged < 3 {
				t.Errorf("only %d checks fail or warn on the broken demo", judged)
			}
		})
	}
}
