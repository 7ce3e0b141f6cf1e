package demo

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// writeAnswers writes d into the demo's pretend host as the wizard's apply
// does (retiring the previous name's files).
func writeAnswers(t *testing.T, env *Env, d model.Deployment) {
	t.Helper()
	files, err := writer.Render(d, writer.Options{Layout: env.Layout})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := writer.NewPlan(files)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.RetirePreviousDomain(d, env.Layout); err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(t.Context(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
}

// changedAnswers is the demo's deployment with another name and token, as
// typed in the wizard (certificate paths derived from the new name).
func changedAnswers(env *Env) model.Deployment {
	d := env.Deployment
	d.Domain = "mail.changed.kumoup.test"
	d.HELO = d.Domain
	d.InjectionToken = "changed-test-token-0123456789abcdefghijklmnop"
	d.TLSCertificate = env.Layout.Path(model.CertificatePath(d.Domain))
	d.TLSCertificateKey = env.Layout.Path(model.CertificateKeyPath(d.Domain))
	return d
}

func scrapeStatus(t *testing.T, target probes.Target, token string) int {
	t.Helper()
	return scrapePath(t, target, model.MetricsPath, token)
}

// scrapePath GETs path on the target's name over https (its ConnectTo and
// RootCAs) with token, and returns the status.
func scrapePath(t *testing.T, target probes.Target, path, token string) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DialContext: target.DialContext, TLSClientConfig: &tls.Config{RootCAs: target.RootCAs}}}
	defer c.CloseIdleConnections()
	status, _ := get(t, c, "https://"+target.Deployment.Domain+path, token)
	return status
}

func TestReloadServesANewNameAndTokenThroughNginxAndTheChecksFollow(t *testing.T) {
	loopbacktest.NeedNginx(t)
	env := start(t, t.Context(), Config{Prewrite: true})
	oldToken := env.Deployment.InjectionToken
	d := changedAnswers(env)
	writeAnswers(t, env, d)

	target, err := env.Reload(t.Context(), d)
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if target.Deployment.Domain != d.Domain || target.ConnectTo[d.Domain+":443"] == "" {
		t.Fatalf("the target after Reload is for %q with ConnectTo %v, want %s", target.Deployment.Domain, target.ConnectTo, d.Domain)
	}
	if got := scrapeStatus(t, target, d.InjectionToken); got != http.StatusOK {
		t.Errorf("the new token on the new name got %d, want 200", got)
	}
	if got := scrapeStatus(t, target, oldToken); got != http.StatusUnauthorized {
		t.Errorf("the demo's first token got %d after the reload, want 401", got)
	}

	results := probes.Run(t.Context(), &target, env.Checks())
	checkDemoResults(t, env, results)
	for _, r := range results {
		if (strings.HasPrefix(r.ID, "edge.") || strings.HasPrefix(r.ID, "tls.") || r.ID == "host.nginx.config") && r.Status != probes.StatusPass {
			t.Errorf("%s after the reload with a new name: %s %q, want pass", r.ID, r.Status, r.Detail)
		}
	}
}

func TestReloadWithoutNginxLetsOnlyTheNewTokenThroughAndFollowsTheBodyLimit(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true, Prewrite: true})
	oldToken := env.Deployment.InjectionToken
	d := changedAnswers(env)
	d.MaxBody = "9M"
	target, err := env.Reload(t.Context(), d)
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	// The token check now answers for the new name, with its certificate.
	if target.Deployment.Domain != d.Domain {
		t.Fatalf("the target after the reload is %s, want %s", target.Deployment.Domain, d.Domain)
	}
	if got := scrapeStatus(t, target, oldToken); got != http.StatusUnauthorized {
		t.Errorf("the demo's first token got %d after the reload, want 401", got)
	}
	if got := scrapeStatus(t, target, d.InjectionToken); got != http.StatusOK {
		t.Errorf("the new token got %d after the reload, want 200", got)
	}
	if got := env.Kumod.BodyLimit(); got != 9<<20 {
		t.Errorf("the stand-in's body limit is %d after max_body 9M, want %d", got, 9<<20)
	}
}
