package demo

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
)

// logResults logs every result, for a failing test's reader.
func logResults(t *testing.T, results []probes.Result) {
	t.Helper()
	for _, r := range results {
		t.Logf("%-5s %-30s %s | %s", r.Status, r.ID, r.Detail, r.Remedy)
	}
}

// expected are the demo's honest non-passes once its files are written:
// the public IP is a documentation address, and no kumod process runs.
var expected = map[string]probes.Status{
	"dns.egress.documentation": probes.StatusWarn,
}

func checkDemoResults(t *testing.T, env *Env, results []probes.Result) {
	t.Helper()
	skipped := env.Skipped()
	for _, r := range results {
		want, ok := expected[r.ID]
		switch {
		case skipped[r.ID] != "":
			if r.Status != probes.StatusSkip || r.Detail != skipped[r.ID] {
				t.Errorf("%s: %s %q, want skip %q", r.ID, r.Status, r.Detail, skipped[r.ID])
			}
		case ok:
			if r.Status != want {
				t.Errorf("%s: %s (%s), want %s", r.ID, r.Status, r.Detail, want)
			}
		case r.Status == probes.StatusSkip && r.Detail == "":
			t.Errorf("%s skips without saying why", r.ID)
		case r.Status == probes.StatusFail || r.Status == probes.StatusWarn:
			// A check skipping itself (a feature the demo leaves off) is
			// fine; a failure or a warning is a broken demo.
			t.Errorf("%s: %s on the demo's loopback deployment: %s | %s", r.ID, r.Status, r.Detail, r.Remedy)
		}
	}
	if t.Failed() {
		logResults(t, results)
	}
}

func TestDemoChecksPassBehindNginxExceptTheNextStepAndThePlaceholderIP(t *testing.T) {
	loopbacktest.NeedNginx(t)
	env := start(t, t.Context(), Config{Prewrite: true})
	target := env.Target()
	results := probes.Run(t.Context(), &target, env.Checks())
	if len(results) != len(probes.Catalogue()) {
		t.Fatalf("%d results for %d checks in the catalogue", len(results), len(probes.Catalogue()))
	}
	checkDemoResults(t, env, results)
	// What the demo shows off must really run and pass.
	mustPass := map[string]bool{}
	for _, c := range probes.Catalogue() {
		if strings.HasPrefix(c.ID, "edge.") || strings.HasPrefix(c.ID, "tls.") {
			mustPass[c.ID] = true
		}
	}
	for _, id := range []string{"host.nginx.config", "host.listener.loopback", "host.envfile.permissions", "host.policy.wired", "host.kumod.body.limit"} {
		mustPass[id] = true
	}
	for _, r := range results {
		if mustPass[r.ID] && r.Status != probes.StatusPass {
			t.Errorf("%s behind a real nginx: %s %q, want pass", r.ID, r.Status, r.Detail)
		}
	}
}

func TestDemoWithoutNginxSkipsTheNginxChecksAndSaysWhy(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true, Prewrite: true})
	target := env.Target()
	results := probes.Run(t.Context(), &target, env.Checks())
	checkDemoResults(t, env, results)
	for _, r := range results {
		nginxCheck := strings.HasPrefix(r.ID, "edge.") || strings.HasPrefix(r.ID, "tls.") || r.ID == "host.nginx.config"
		if nginxCheck && (r.Status != probes.StatusSkip || !strings.Contains(r.Detail, "nginx is not started in this demo (--no-nginx)")) {
			t.Errorf("%s without nginx: %s %q, want skip saying nginx was not started", r.ID, r.Status, r.Detail)
		}
		// kumod's limit is asked of the stand-in itself, nginx or not.
		if r.ID == "host.kumod.body.limit" && (r.Status != probes.StatusPass || !strings.Contains(r.Detail, "413")) {
			t.Errorf("%s without nginx: %s %q, want pass on the stand-in's answers", r.ID, r.Status, r.Detail)
		}
	}
}

func TestDemoFrontWithoutNginxLetsOnlyTheExactTokenThrough(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true})
	target := env.Target()
	tok := env.Deployment.InjectionToken
	// The dashboard's scrape: the deployment's own endpoint, with its
	// token (metrics.ConfigFor sends it: verified https, its own name).
	cfg, withheld, err := metrics.ConfigFor(&target, metrics.Endpoint{})
	if err != nil || cfg.Token != tok || withheld != "" {
		t.Fatalf("without nginx the dashboard does not scrape the deployment's name with its token: %v %q", err, withheld)
	}
	for _, c := range []struct {
		name, path, token string
		want              int
	}{
		{"the token", model.MetricsPath, tok, 200},
		{"no token", model.MetricsPath, "", 401},
		{"case changed", model.MetricsPath, strings.ToUpper(tok), 401},
		{"truncated", model.MetricsPath, tok[:len(tok)-1], 401},
		{"admin path", "/api/admin/bounce/v1", tok, 404},
	} {
		if code := scrapePath(t, target, c.path, c.token); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if env.Nginx() || env.Target().HTTPSPort != 0 {
		t.Error("without nginx the target still points at an nginx")
	}
}

func TestDemoWizardFlowLeavesInitLuaToTheOperator(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true})
	target := env.Target()
	checks := env.Checks()
	for _, c := range checks {
		if c.ID == "host.policy.wired" {
			r := probes.Run(t.Context(), &target, []probes.Check{c})[0]
			if r.Status != probes.StatusFail || !strings.Contains(r.Remedy, "require 'kumoup'") {
				t.Errorf("before the next step, host.policy.wired: %s %q, want fail with the lines to add", r.Status, r.Remedy)
			}
			return
		}
	}
	t.Fatal("no host.policy.wired check")
}

func TestDemoWithoutRootSkipsTheOwnerChecksAndSaysWhy(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true})
	env.root = false
	for _, id := range []string{"host.envfile.permissions", "host.tokenfile.permissions"} {
		if why := env.Skipped()[id]; !strings.Contains(why, "without root") {
			t.Errorf("%s without root: skip reason %q", id, why)
		}
	}
	env.root = true
	if why := env.Skipped()["host.envfile.permissions"]; why != "" {
		t.Errorf("as root the owner check is skipped: %q", why)
	}
}

// TestSkipReasonsFollowTheAnswersTheChecksRunWith: the wizard may change
// the demo's answers; a skip reason names the webhook URL the checks run
// with, not the demo's first one.
func TestSkipReasonsFollowTheAnswersTheChecksRunWith(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true})
	target := env.Target()
	target.Deployment.WebhookURL = "https://changed.example.test/hooks"
	for _, c := range env.Checks() {
		if c.ID != "webhook.reachable" {
			continue
		}
		r := c.Run(t.Context(), &target)
		if !strings.Contains(r.Remedy+r.Detail, "https://changed.example.test/hooks") || strings.Contains(r.Remedy+r.Detail, WebhookURL) {
			t.Fatalf("the skip reason %q names the old webhook URL, not the one the checks run with", r.Remedy+r.Detail)
		}
		return
	}
	t.Fatal("no webhook.reachable check in the demo")
}
