package loopback_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
)

// Each Break* mutation must really produce the mistake it names (checks
// tests rely on that), while the unmodified site does not have it.

func TestBreakNoAuthProxiesWithoutAToken(t *testing.T) {
	good, bad := intactAndBroken(t, loopback.BreakNoAuth)
	for _, p := range []string{"/metrics", "/api/inject/v1"} {
		if a := get(t, good, "GET", p, "", ""); a.status != 401 {
			t.Errorf("intact site: %s without token %d, want 401", p, a.status)
		}
	}
	if a := get(t, bad, "GET", "/metrics", "", ""); a.status != 200 {
		t.Errorf("BreakNoAuth: /metrics without token %d, want 200", a.status)
	}
	if a := get(t, bad, "POST", "/api/inject/v1", "", "{}"); a.status != 422 {
		t.Errorf("BreakNoAuth: inject without token %d, want kumod's 422", a.status)
	}
}

func TestBreakForwardAuthorizationLetsKumodSeeTheToken(t *testing.T) {
	good, bad := intactAndBroken(t, loopback.BreakForwardAuthorization)
	if a := get(t, good, "GET", "/metrics", bearer(good), ""); a.status != 200 {
		t.Errorf("intact site with token: %d, want 200", a.status)
	}
	a := get(t, bad, "GET", "/metrics", bearer(bad), "")
	if a.status != 401 || !strings.Contains(a.body, "BearerToken Authentication Failed") {
		t.Errorf("BreakForwardAuthorization with token: %d %q, want kumod's 401", a.status, a.body)
	}
	if r := bad.Kumod.Requests(); len(r) != 1 || !r[0].Authorization {
		t.Errorf("stand-in saw %+v, want the Authorization header", r)
	}
}

func TestBreakMetricsPublicOpensOnlyMetrics(t *testing.T) {
	nginxTest(t)
	bad := loopbacktest.Start(t, loopback.Config{Mutate: loopback.BreakMetricsPublic})
	if a := get(t, bad, "GET", "/metrics", "", ""); a.status != 200 {
		t.Errorf("/metrics without token %d, want 200", a.status)
	}
	if a := get(t, bad, "POST", "/api/inject/v1", "", "{}"); a.status != 401 {
		t.Errorf("inject without token %d, want 401", a.status)
	}
}

func TestBreakAdminProxiedExposesTheAdminAPI(t *testing.T) {
	good, bad := intactAndBroken(t, loopback.BreakAdminProxied)
	if a := get(t, good, "GET", "/api/admin/bounce/v1", "", ""); a.status != 404 {
		t.Errorf("intact site: admin %d, want 404", a.status)
	}
	if a := get(t, bad, "GET", "/api/admin/bounce/v1", "", ""); a.status != 200 {
		t.Errorf("BreakAdminProxied: admin %d, want 200", a.status)
	}
}

func TestBreakNoHSTSDropsTheHeaderEverywhere(t *testing.T) {
	good, bad := intactAndBroken(t, loopback.BreakNoHSTS)
	for _, tc := range []struct{ path, auth string }{{"/metrics", ""}, {"/metrics", "token"}, {"/", ""}} {
		for _, s := range []*loopback.Site{good, bad} {
			auth := ""
			if tc.auth != "" {
				auth = bearer(s)
			}
			h := get(t, s, "GET", tc.path, auth, "").header.Get("Strict-Transport-Security")
			if (s == good) != (h != "") {
				t.Errorf("%s (token %v) on %s site: HSTS %q", tc.path, tc.auth != "", map[bool]string{true: "intact", false: "broken"}[s == good], h)
			}
		}
	}
}

func TestBreakCaseInsensitiveTokenAcceptsACaseAlteredToken(t *testing.T) {
	nginxTest(t)
	const tok = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
	altered := "Bearer " + strings.ToUpper(tok)
	intact := loopbacktest.Start(t, configWithToken(tok, nil))
	bad := loopbacktest.Start(t, configWithToken(tok, loopback.BreakCaseInsensitiveToken))
	if a := get(t, intact, "GET", "/metrics", altered, ""); a.status != 401 {
		t.Errorf("intact site: upper-cased token %d, want 401", a.status)
	}
	if a := get(t, bad, "GET", "/metrics", altered, ""); a.status != 200 {
		t.Errorf("BreakCaseInsensitiveToken: upper-cased token %d, want 200", a.status)
	}
	if a := get(t, bad, "GET", "/metrics", "Bearer "+tok, ""); a.status != 200 {
		t.Errorf("BreakCaseInsensitiveToken: exact token %d, want 200", a.status)
	}
}

func TestBreakLegacyTLSAcceptsTLS10And11(t *testing.T) {
	good, bad := intactAndBroken(t, loopback.BreakLegacyTLS)
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if err := handshake(good, v, good.Deployment.Domain); err == nil {
			t.Errorf("intact site accepted %s", tls.VersionName(v))
		}
		if err := handshake(bad, v, bad.Deployment.Domain); err != nil {
			t.Errorf("BreakLegacyTLS refused %s: %v", tls.VersionName(v), err)
		}
	}
}

func TestBreakClientMaxBodySizeRefusesLargeBodiesAtNginx(t *testing.T) {
	nginxTest(t)
	bad := loopbacktest.Start(t, loopback.Config{Mutate: loopback.BreakClientMaxBodySize("1m")})
	body := `{"envelope_sender":"a@example.com","recipients":[],"content":"` + strings.Repeat("x", 2<<20) + `"}`
	if a := get(t, bad, "POST", "/api/inject/v1", bearer(bad), body); a.status != 413 || strings.Contains(a.body, "length limit exceeded") {
		t.Errorf("2 MB body: %d %q, want nginx's 413", a.status, short(a.body))
	}
	if n := len(bad.Kumod.Requests()); n != 0 {
		t.Errorf("stand-in saw %d requests", n)
	}
}

func TestABreakThatFindsNothingToChangeIsAnError(t *testing.T) {
	nginxTest(t)
	_, err := loopback.Start(context.Background(), loopback.Config{
		Dir:    t.TempDir(),
		Mutate: loopback.Chain(loopback.BreakNoHSTS, loopback.BreakNoHSTS),
	})
	if err == nil || !strings.Contains(err.Error(), "BreakNoHSTS") || !strings.Contains(err.Error(), "template changed") {
		t.Fatalf("err %v, want BreakNoHSTS to report the template changed", err)
	}
}

// intactAndBroken starts two sites for a test that runs nginx: one as
// rendered and one with the mutation m.
func intactAndBroken(t *testing.T, m loopback.Mutation) (intact, broken *loopback.Site) {
	t.Helper()
	nginxTest(t)
	return loopbacktest.Start(t, loopback.Config{}), loopbacktest.Start(t, loopback.Config{Mutate: m})
}

func configWithToken(tok string, m loopback.Mutation) loopback.Config {
	c := loopback.Config{Mutate: m}
	c.Deployment.InjectionToken = tok
	return c
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
