package probes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

// edgeIDs are the edge family's IDs, in catalogue order.
var edgeIDs = []string{
	"edge.inject.unauthenticated", "edge.metrics.unauthenticated", "edge.token.exact",
	"edge.metrics.authenticated", "edge.inject.authenticated", "edge.unknown.paths", "edge.host.unknown",
	"edge.http.redirect", "edge.acme.webroot", "edge.hsts", "edge.body.limit",
}

// tlsIDs are the tls family's IDs, in catalogue order.
var tlsIDs = []string{"tls.certificate.name", "tls.certificate.expiry", "tls.certificate.chain", "tls.protocols", "tls.ciphers"}

func TestEdgeAndTLSCataloguesHaveTheIssuesIDsInOrder(t *testing.T) {
	for _, fam := range []struct {
		checks []Check
		want   []string
	}{{edgeChecks, edgeIDs}, {tlsChecks, tlsIDs}} {
		var got []string
		for _, c := range fam.checks {
			got = append(got, c.ID)
			if c.Title == "" || c.Run == nil {
				t.Errorf("%s: no title or no Run", c.ID)
			}
		}
		if strings.Join(got, " ") != strings.Join(fam.want, " ") {
			t.Errorf("IDs %v, want %v", got, fam.want)
		}
	}
}

// TestEdgeAndTLSChecksAgainstRealNginx runs the edge and tls families
// against real nginx with kumoup's generated configuration (every check
// passes) and with one real mistake at a time (the check that must catch
// it fails, and says what to change).
func TestEdgeAndTLSChecksAgainstRealNginx(t *testing.T) {
	type want struct {
		status    Status
		fragments []string
	}
	cases := []struct {
		name string
		cfg  loopback.Config
		// after runs once the site is up (to stop kumod, remove a file...).
		after func(t *testing.T, site *loopback.Site)
		// target adjusts what the checks know.
		target func(tg *Target)
		// want is checked for these IDs; every other edge and tls check
		// must pass when all is true.
		want map[string]want
		all  bool
	}{
		{
			name: "generated config passes every edge and tls check",
			all:  true,
			want: map[string]want{
				"edge.inject.unauthenticated":  {StatusPass, []string{"POST /api/inject/v1 without a token: 401"}},
				"edge.metrics.unauthenticated": {StatusPass, []string{"GET /metrics without a token: 401"}},
				"edge.token.exact":             {StatusPass, []string{"case changed: 401", "truncated: 401"}},
				"edge.metrics.authenticated":   {StatusPass, []string{"200", "metric families"}},
				"edge.inject.authenticated":    {StatusPass, []string{"422"}},
				"edge.unknown.paths":           {StatusPass, []string{"with the token", "/api/admin/bounce/v1"}},
				"edge.host.unknown":            {StatusPass, []string{"Host kumoup-wrong-host.invalid", "/: 404, /metrics: 404, /api/admin/bounce/v1: 404"}},
				"edge.http.redirect":           {StatusPass, []string{"301 to https://mta.example.com"}},
				"edge.acme.webroot":            {StatusPass, []string{"200 with the probe file"}},
				"edge.hsts":                    {StatusPass, []string{"without the token: 401, max-age=63072000", "with the token: 200, max-age=63072000"}},
				"edge.body.limit":              {StatusPass, []string{"Content-Length 26214401: 413, with 26214400: 100", "client_max_body_size 25m (26214400 bytes); max_body 25m"}},
				"tls.certificate.name":         {StatusPass, []string{"covers it"}},
				"tls.certificate.expiry":       {StatusPass, []string{"in 89 days"}},
				"tls.certificate.chain":        {StatusPass, []string{"--ca-file", "kumoup loopback test CA"}},
				"tls.protocols":                {StatusPass, []string{"TLS 1.2, 1.3 accepted; 1.0, 1.1 refused"}},
				"tls.ciphers":                  {StatusPass, []string{"all AEAD with forward secrecy", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}},
			},
		},
		{
			name: "no bearer check: requests without a token get through",
			cfg:  loopback.Config{Mutate: loopback.BreakNoAuth},
			want: map[string]want{
				"edge.inject.unauthenticated":  {StatusFail, []string{"(expected 401)", "return 401"}},
				"edge.metrics.unauthenticated": {StatusFail, []string{"200 (expected 401)"}},
				"edge.token.exact":             {StatusSkip, []string{"not run: edge.inject.unauthenticated failed"}},
			},
		},
		{
			name: "Authorization forwarded: kumod refuses the token",
			cfg:  loopback.Config{Mutate: loopback.BreakForwardAuthorization},
			want: map[string]want{
				"edge.metrics.authenticated":  {StatusFail, []string{"BearerToken Authentication Failed", "nginx forwards the Authorization header", `proxy_set_header Authorization "";`}},
				"edge.inject.authenticated":   {StatusFail, []string{"nginx forwards the Authorization header", `proxy_set_header Authorization "";`}},
				"edge.inject.unauthenticated": {StatusPass, nil},
			},
		},
		{
			name: "metrics public: only /metrics lacks the bearer check",
			cfg:  loopback.Config{Mutate: loopback.BreakMetricsPublic},
			want: map[string]want{
				"edge.metrics.unauthenticated": {StatusFail, []string{"GET /metrics without a token: 200 (expected 401)", "location = /metrics"}},
				"edge.inject.unauthenticated":  {StatusPass, nil},
			},
		},
		{
			name: "admin API proxied",
			cfg:  loopback.Config{Mutate: loopback.BreakAdminProxied},
			want: map[string]want{
				"edge.unknown.paths": {StatusFail, []string{"/api/admin/bounce/v1: 200", "location / { return 404; }"}},
			},
		},
		{
			name: "no HSTS header",
			cfg:  loopback.Config{Mutate: loopback.BreakNoHSTS},
			want: map[string]want{
				"edge.hsts": {StatusFail, []string{"without the token: 401, no header", "with the token: 200, no header", "Strict-Transport-Security"}},
				// One missing header, one failure: edge.host.unknown notes it.
				"edge.host.unknown": {StatusPass, []string{"without HSTS", "see edge.hsts"}},
			},
		},
		{
			name: "case-insensitive token map (plain map key)",
			cfg:  loopback.Config{Mutate: loopback.BreakCaseInsensitiveToken},
			want: map[string]want{
				"edge.token.exact":           {StatusFail, []string{"case changed: 422", "truncated: 401", `\Q<token>\E$`}},
				"edge.metrics.authenticated": {StatusPass, nil},
			},
		},
		{
			name: "token key neither anchored nor whole: a truncated token passes",
			cfg:  loopback.Config{Mutate: edgeTokenEdit(`\\Q(.*).\\E\$"`, `\Q$1\E"`)},
			want: map[string]want{
				"edge.token.exact":           {StatusFail, []string{"truncated: 422", "anchored at both ends"}},
				"edge.metrics.authenticated": {StatusPass, nil},
			},
		},
		{
			name: "certificate for another name",
			cfg:  loopback.Config{Certificate: loopback.CertWrongName},
			want: map[string]want{
				"tls.certificate.name":         {StatusFail, []string{"covers " + loopback.WrongName + ", not mta.example.com", "certbot certonly"}},
				"tls.certificate.chain":        {StatusPass, nil},
				"edge.metrics.unauthenticated": {StatusPass, []string{"401", "over unverified TLS"}},
			},
		},
		{
			name: "certificate expiring in 3 days",
			cfg:  loopback.Config{Certificate: loopback.CertExpiringSoon},
			want: map[string]want{
				"tls.certificate.expiry": {StatusFail, []string{"in 2 days (fail under 7 days)", "certbot renew"}},
				"tls.certificate.name":   {StatusPass, nil},
			},
		},
		{
			name: "certificate expired yesterday",
			cfg:  loopback.Config{Certificate: loopback.CertExpired},
			want: map[string]want{
				"tls.certificate.expiry":       {StatusFail, []string{"the certificate expired on", "certbot renew"}},
				"tls.certificate.chain":        {StatusPass, []string{"inside its validity"}},
				"edge.metrics.unauthenticated": {StatusPass, []string{"401", "over unverified TLS"}},
			},
		},
		{
			name:   "certificate expiring in 15 days by the target's clock",
			target: func(tg *Target) { tg.Now = func() time.Time { return time.Now().AddDate(0, 0, 75) } },
			want: map[string]want{
				"tls.certificate.expiry": {StatusWarn, []string{"in 14 days (warn under 21 days)"}},
			},
		},
		{
			name:   "certificate from a CA the target does not trust",
			target: func(tg *Target) { tg.RootCAs = nil },
			want: map[string]want{
				"tls.certificate.chain": {StatusFail, []string{"not verified against the system roots", "unknown authority"}},
				"tls.certificate.name":  {StatusPass, nil},
			},
		},
		{
			name: "TLS 1.0 and 1.1 enabled",
			cfg:  loopback.Config{Mutate: loopback.BreakLegacyTLS},
			want: map[string]want{
				"tls.protocols": {StatusFail, []string{"TLS 1.0, 1.1, 1.2, 1.3 accepted", "ssl_protocols TLSv1.2 TLSv1.3;"}},
			},
		},
		{
			name: "port 80 answers without redirecting",
			cfg:  loopback.Config{Mutate: edgeSiteEdit(`return 301 [^;]*;`, `return 200 'plain http\n';`)},
			want: map[string]want{
				"edge.http.redirect": {StatusFail, []string{"no redirect", "return 301 https://$host$request_uri;"}},
			},
		},
		{
			name: "port 80 redirects to another port of the name",
			cfg:  loopback.Config{Mutate: edgeSiteEdit(`return 301 https://[^;]*;`, `return 301 https://$$host:8443$$request_uri;`)},
			want: map[string]want{
				"edge.http.redirect": {StatusFail, []string{`301 to "https://mta.example.com:8443/kumoup-redirect-probe?check=1"`, "return 301 https://$host$request_uri;"}},
			},
		},
		{
			name: "ACME challenges redirected instead of served",
			cfg:  loopback.Config{Mutate: edgeSiteEdit(`(?s)location \^~ /\.well-known/acme-challenge/ \{.*?\n    \}\n`, "")},
			want: map[string]want{
				"edge.acme.webroot": {StatusFail, []string{"challenges are redirected", "location ^~ /.well-known/acme-challenge/"}},
			},
		},
		{
			name: "nginx body limit differs from kumod's",
			cfg:  loopback.Config{Mutate: loopback.BreakClientMaxBodySize("1m")},
			want: map[string]want{
				"edge.body.limit": {StatusFail, []string{"with 26214400: 413", "nginx refuses less than max_body", "client_max_body_size 1m (1048576 bytes)", "nginx refuses what max_body allows"}},
			},
		},
		{
			name:  "kumod not running",
			after: func(t *testing.T, site *loopback.Site) { site.Kumod.Close() },
			want: map[string]want{
				"edge.inject.authenticated":   {StatusFail, []string{"502", "kumod is not running", "systemctl start kumomta"}},
				"edge.metrics.authenticated":  {StatusFail, []string{"502"}},
				"edge.inject.unauthenticated": {StatusPass, nil},
			},
		},
		{
			name:  "ACME webroot not on this host",
			after: func(t *testing.T, site *loopback.Site) { os.RemoveAll(site.Deployment.ACMEWebroot) },
			want: map[string]want{
				"edge.acme.webroot": {StatusSkip, []string{"not a directory on this host"}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := edgeSite(t, tc.cfg)
			if tc.after != nil {
				tc.after(t, site)
			}
			target := edgeTarget(site)
			if tc.target != nil {
				tc.target(target)
			}
			got := edgeRun(t, target, "edge", "tls")
			for id, w := range tc.want {
				edgeWant(t, got, id, w.status, w.fragments...)
			}
			if tc.all {
				for id, r := range got {
					if r.Status != StatusPass {
						t.Errorf("%s: %s: %s (remedy: %s)", id, r.Status, r.Detail, r.Remedy)
					}
				}
			}
		})
	}
}

// TestEdgeACMEProbeLeavesNothingBehind: the probe file and any directory
// the check created are removed.
func TestEdgeACMEProbeLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	site := edgeSite(t, loopback.Config{})
	challenges := filepath.Join(site.Deployment.ACMEWebroot, ".well-known", "acme-challenge")
	edgeWant(t, edgeRun(t, edgeTarget(site), "edge.acme.webroot"), "edge.acme.webroot", StatusPass)
	left, err := os.ReadDir(challenges)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%s holds %d file(s) after the check, want none", challenges, len(left))
	}
}

// TestEdgeInsecureWithholdsTheToken: with --insecure the token never goes
// over the unverified connection: the token checks skip and say why, and
// the stand-in kumod never sees an authenticated request.
func TestEdgeInsecureWithholdsTheToken(t *testing.T) {
	t.Parallel()
	site := edgeSite(t, loopback.Config{})
	target := edgeTarget(site)
	target.RootCAs, target.Insecure = nil, true
	got := edgeRun(t, target, "edge")
	for _, id := range []string{"edge.token.exact", "edge.metrics.authenticated", "edge.inject.authenticated"} {
		edgeWant(t, got, id, StatusSkip, "not sent", "--ca-file")
	}
	edgeWant(t, got, "edge.unknown.paths", StatusPass, "without the token")
	edgeWant(t, got, "edge.hsts", StatusPass, "the 200 answer was not checked")
	edgeWant(t, got, "edge.inject.unauthenticated", StatusPass)
	for _, r := range site.Kumod.Requests() {
		if r.Path == "/metrics" || r.Path == "/api/inject/v1" {
			t.Errorf("kumod received %s %s although the token must not be sent with --insecure", r.Method, r.Path)
		}
	}
}

// TestTLSInsecureTurnsEveryTLSCheckIntoAWarning: with --insecure no TLS
// check passes or fails; each warns that verification was off and still
// says what it found.
func TestTLSInsecureTurnsEveryTLSCheckIntoAWarning(t *testing.T) {
	t.Parallel()
	site := edgeSite(t, loopback.Config{Certificate: loopback.CertWrongName})
	target := edgeTarget(site)
	target.RootCAs, target.Insecure = nil, true
	got := edgeRun(t, target, "tls")
	edgeWant(t, got, "tls.certificate.name", StatusWarn, "TLS verification off (--insecure), would fail", loopback.WrongName, "drop --insecure")
	edgeWant(t, got, "tls.certificate.chain", StatusWarn, "would fail", "unknown authority")
	edgeWant(t, got, "tls.certificate.expiry", StatusWarn, "would pass")
	edgeWant(t, got, "tls.protocols", StatusWarn, "would pass")
}
