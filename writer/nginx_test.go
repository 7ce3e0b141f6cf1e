package writer_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/writer"
)

// The rendered site file, run by the real nginx (on 127.0.0.1 high ports,
// wrapped like Debian's nginx.conf) in front of a stand-in kumod that
// answers like the real listener. See internal/loopback.

// nginxSite starts a loopback site for the test. It is skipped under -short
// and fails, naming the install command, when nginx is missing.
func nginxSite(t *testing.T) *loopback.Site {
	t.Helper()
	return nginxSiteWith(t, loopback.Config{})
}

func nginxSiteWith(t *testing.T, cfg loopback.Config) *loopback.Site {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real nginx; skipped with -short")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatalf("%v: these tests run the real nginx", err)
	}
	t.Parallel()
	cfg.Dir = t.TempDir()
	s, err := loopback.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start nginx with the rendered site: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s
}

type reply struct {
	status int
	header http.Header
	body   string
}

// call sends method rawPath to https://<domain> exactly as written (no
// cleaning, no re-encoding) with the given Authorization and JSON body.
func call(t *testing.T, s *loopback.Site, method, rawPath, auth, body string) reply {
	t.Helper()
	return doReq(t, s.Client(), rawRequest(s, method, rawPath, auth, body))
}

// rawRequest builds the request call sends.
func rawRequest(s *loopback.Site, method, rawPath, auth, body string) *http.Request {
	req := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "https", Host: s.Deployment.Domain, Opaque: rawPath},
		Header: http.Header{},
		Host:   s.Deployment.Domain,
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if method == http.MethodPost {
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func doReq(t *testing.T, c *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func bearerOf(s *loopback.Site) string { return "Bearer " + s.Deployment.InjectionToken }

var wantHSTS = "max-age=" + strconv.Itoa(writer.HSTSMaxAge)

func checkHSTS(t *testing.T, what string, r reply) {
	t.Helper()
	if got := r.header.Get("Strict-Transport-Security"); got != wantHSTS {
		t.Errorf("%s: Strict-Transport-Security %q, want %q", what, got, wantHSTS)
	}
}

func noUpstreamRequests(t *testing.T, s *loopback.Site, what string) {
	t.Helper()
	if reqs := s.Kumod.Requests(); len(reqs) != 0 {
		t.Errorf("%s reached kumod: %d requests, first %s %s", what, len(reqs), reqs[0].Method, reqs[0].RawURI)
	}
}

func TestNginxRefusesARequestWithoutTokenWith401JSONAndHSTS(t *testing.T) {
	s := nginxSite(t)
	for _, tc := range []struct{ method, path string }{{"GET", "/metrics"}, {"POST", "/api/inject/v1"}} {
		r := call(t, s, tc.method, tc.path, "", "{}")
		what := tc.method + " " + tc.path + " without token"
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", what, r.status)
		}
		var v map[string]string
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || v["error"] == "" {
			t.Errorf("%s: body %q is not a JSON error (%v)", what, r.body, err)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", what, ct)
		}
		if wa := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q, want Bearer", what, wa)
		}
		checkHSTS(t, what, r)
	}
	noUpstreamRequests(t, s, "an unauthenticated request")
}

func TestNginxPassesTheTokenHolderToKumodWithoutTheAuthorizationHeader(t *testing.T) {
	s := nginxSite(t)
	r := call(t, s, "GET", "/metrics", bearerOf(s), "")
	if r.status != 200 || r.body != string(standin.FixtureMetrics()) {
		t.Errorf("GET /metrics with token: %d, want 200 with kumod's metrics", r.status)
	}
	checkHSTS(t, "GET /metrics with token", r)
	// {} proves auth passed without sending mail: kumod refuses its shape.
	if r := call(t, s, "POST", "/api/inject/v1", bearerOf(s), "{}"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("POST {} with token: %d %q, want kumod's 422", r.status, r.body)
	}
	valid := `{"envelope_sender":"app@example.com","recipients":[{"email":"a@example.net"}],"content":"Subject: t\r\n\r\nx\r\n"}`
	if r := call(t, s, "POST", "/api/inject/v1", bearerOf(s), valid); r.status != 200 || !strings.Contains(r.body, `"success_count":1`) {
		t.Errorf("POST a valid injection with token: %d %q, want 200 success_count 1", r.status, r.body)
	}
	reqs := s.Kumod.Requests()
	if len(reqs) != 3 {
		t.Fatalf("kumod saw %d requests, want 3", len(reqs))
	}
	for i, want := range []string{"/metrics", "/api/inject/v1", "/api/inject/v1"} {
		got := reqs[i]
		if got.Authorization {
			t.Errorf("request %d (%s): kumod received an Authorization header", i, got.RawURI)
		}
		if got.RawURI != want {
			t.Errorf("request %d: kumod saw %q, want %q", i, got.RawURI, want)
		}
		if got.Header.Get("X-Real-IP") != "127.0.0.1" {
			t.Errorf("request %d: X-Real-IP %q, want the client's 127.0.0.1", i, got.Header.Get("X-Real-IP"))
		}
	}
}

func TestNginxRefusesAlteredTokens(t *testing.T) {
	s := nginxSite(t)
	tok := s.Deployment.InjectionToken
	swapped := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, tok)
	if swapped == tok {
		t.Fatalf("generated token has no letters to alter")
	}
	for name, auth := range map[string]string{
		"case-altered":    "Bearer " + swapped,
		"upper-cased":     "BEARER " + strings.ToUpper(tok),
		"truncated":       "Bearer " + tok[:len(tok)-1],
		"extended":        "Bearer " + tok + "A",
		"trailing space":  "Bearer " + tok + " ",
		"webhook token":   "Bearer " + s.Deployment.WebhookToken,
		"token alone":     tok,
		"Basic with it":   "Basic " + tok,
		"two separators":  "Bearer  " + tok,
		"prefix of token": "Bearer " + tok[:8],
	} {
		for _, path := range []string{"/metrics", "/api/inject/v1"} {
			method := "GET"
			if path == "/api/inject/v1" {
				method = "POST"
			}
			if r := call(t, s, method, path, auth, "{}"); r.status != http.StatusUnauthorized {
				t.Errorf("%s token on %s: status %d, want 401", name, path, r.status)
			}
		}
	}
	noUpstreamRequests(t, s, "a request with an altered token")
}

func TestNginxAnswers404ForEveryOtherPathEvenWithTheToken(t *testing.T) {
	s := nginxSite(t)
	for _, path := range []string{
		"/",
		"/api/admin/bounce/v1",
		"/metrics.json",
		"/api/inject/v1/",
		"/%6detrics",
		"/metrics/../api/admin/bounce/v1",
		"/api/inject/v1/../../admin/bounce/v1",
		"/api/%69nject/v1",
		"/api/machine-info",
		"/api/check-liveness/v1",
		"/rapidoc",
		"/api-docs/openapi.json",
		"/METRICS",
	} {
		for _, auth := range []string{"", bearerOf(s)} {
			for _, c := range []*http.Client{s.Client(), s.HTTP1Client()} {
				r := doReq(t, c, rawRequest(s, "GET", path, auth, ""))
				if r.status != http.StatusNotFound {
					t.Errorf("GET %s (token %v, HTTP/2 %v): status %d, want 404", path, auth != "", c.Transport.(*http.Transport).ForceAttemptHTTP2, r.status)
				}
				checkHSTS(t, "404 for "+path, r)
			}
		}
	}
	noUpstreamRequests(t, s, "a request for a path other than /metrics and /api/inject/v1")
}

func TestNginxForwardsA20MBInjectionBodyWholeToKumod(t *testing.T) {
	s := nginxSite(t)
	if got, want := s.Kumod.BodyLimit(), s.Deployment.MaxBodyBytes(); got != want || want < 20<<20 {
		t.Fatalf("stand-in body limit %d, want max_body %d (as the Lua module sets request_body_limit)", got, want)
	}
	lua, err := os.ReadFile(s.Layout.LuaModule())
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`REQUEST_BODY_LIMIT = (\d+)`).FindSubmatch(lua); m == nil || string(m[1]) != strconv.FormatInt(s.Kumod.BodyLimit(), 10) {
		t.Fatalf("the rendered Lua module's request_body_limit (%q) is not the stand-in's %d", m, s.Kumod.BodyLimit())
	}
	body := `{"envelope_sender":"app@example.com","recipients":[{"email":"a@example.net"}],"content":"` + strings.Repeat("x", 20<<20) + `"}`
	r := call(t, s, "POST", "/api/inject/v1", bearerOf(s), body)
	if r.status != 200 {
		t.Fatalf("20 MB injection: status %d %q, want 200 (no 413 from nginx or kumod)", r.status, r.body)
	}
	reqs := s.Kumod.Requests()
	if len(reqs) != 1 || reqs[0].BodyLength != int64(len(body)) {
		t.Fatalf("kumod saw %+v, want one request of %d body bytes", reqs, len(body))
	}
}

func TestNginxRefusesABodyOverMaxBodyBeforeKumod(t *testing.T) {
	s := nginxSite(t)
	body := `{"envelope_sender":"app@example.com","recipients":[],"content":"` + strings.Repeat("x", int(s.Deployment.MaxBodyBytes())) + `"}`
	r := call(t, s, "POST", "/api/inject/v1", bearerOf(s), body)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("body over max_body: status %d, want 413", r.status)
	}
	checkHSTS(t, "413", r)
	noUpstreamRequests(t, s, "a body over max_body")
}

func TestNginxPort80RedirectsToHTTPS(t *testing.T) {
	s := nginxSite(t)
	req, _ := http.NewRequest("GET", s.HTTPURL("/api/inject/v1?x=1"), nil)
	r := doReq(t, s.Client(), req)
	if r.status != http.StatusMovedPermanently {
		t.Fatalf("port 80: status %d, want 301", r.status)
	}
	want := "https://" + s.Deployment.Domain + ":" + strconv.Itoa(s.HTTPSPort) + "/api/inject/v1?x=1"
	if loc := r.header.Get("Location"); loc != want {
		t.Errorf("Location %q, want %q", loc, want)
	}
	noUpstreamRequests(t, s, "a port 80 request")
}

func TestNginxPort80ServesTheACMEWebroot(t *testing.T) {
	s := nginxSite(t)
	p, err := s.PutChallenge("Kx3-challenge_token", []byte("Kx3-challenge_token.key-thumbprint"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.HTTPURL(p), nil)
	if r := doReq(t, s.Client(), req); r.status != 200 || r.body != "Kx3-challenge_token.key-thumbprint" {
		t.Errorf("GET %s on port 80: %d %q, want 200 with the file", p, r.status, r.body)
	}
	req, _ = http.NewRequest("GET", s.HTTPURL("/.well-known/acme-challenge/missing"), nil)
	if r := doReq(t, s.Client(), req); r.status != http.StatusNotFound {
		t.Errorf("missing challenge: %d, want 404 (not a redirect)", r.status)
	}
}

func TestNginxRefusesTLS10And11AndAcceptsTLS12And13(t *testing.T) {
	s := nginxSite(t)
	// OpenSSL 3.0 at its default security level refuses TLS 1.0/1.1 even
	// when nginx lists them (and the intermediate ciphers are TLS 1.2+
	// only), so the handshakes below would pass without the site's policy.
	// Check the policy itself too: every server block sets it, overriding
	// Debian's http-level "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3".
	site, err := os.ReadFile(s.Layout.SiteFile(s.Deployment.Domain))
	if err != nil {
		t.Fatal(err)
	}
	protocols := regexp.MustCompile(`ssl_protocols[^;]*;`).FindAllString(string(site), -1)
	if len(protocols) == 0 {
		t.Errorf("the site file sets no ssl_protocols: Debian's TLSv1 TLSv1.1 would apply")
	}
	for _, p := range protocols {
		if p != "ssl_protocols TLSv1.2 TLSv1.3;" {
			t.Errorf("site file has %q, want ssl_protocols TLSv1.2 TLSv1.3;", p)
		}
	}
	for _, tc := range []struct {
		v      uint16
		accept bool
	}{{tls.VersionTLS10, false}, {tls.VersionTLS11, false}, {tls.VersionTLS12, true}, {tls.VersionTLS13, true}} {
		err := tlsHandshake(s, tc.v, s.Deployment.Domain, false)
		if tc.accept && err != nil {
			t.Errorf("%s refused: %v", tls.VersionName(tc.v), err)
		}
		if !tc.accept && err == nil {
			t.Errorf("%s accepted", tls.VersionName(tc.v))
		}
	}
}

func TestNginxRefusesTLSForAnUnknownName(t *testing.T) {
	s := nginxSite(t)
	if err := tlsHandshake(s, tls.VersionTLS13, s.Deployment.Domain, false); err != nil {
		t.Fatalf("the site's own name: %v", err)
	}
	for _, sni := range []string{"other.example.com", "", "127.0.0.1"} {
		// Verification is skipped so that only the server can refuse.
		if err := tlsHandshake(s, tls.VersionTLS13, sni, true); err == nil {
			t.Errorf("SNI %q: handshake accepted, want it refused", sni)
		}
	}
}

func tlsHandshake(s *loopback.Site, v uint16, sni string, insecure bool) error {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", s.HTTPSAddr, &tls.Config{
		ServerName:         sni,
		RootCAs:            s.CACertPool,
		InsecureSkipVerify: insecure,
		MinVersion:         v,
		MaxVersion:         v,
	})
	if err != nil {
		return err
	}
	return c.Close()
}

func TestNginxTAcceptsTheRenderedSite(t *testing.T) {
	s := nginxSite(t)
	if err := loopback.TestConfig(context.Background(), s.NginxBinary, s.NginxConf, s.NginxPrefix); err != nil {
		t.Fatal(err)
	}
	// The site file holds no secret; the token include does, 0600 in 0700.
	site, err := os.ReadFile(s.Layout.SiteFile(s.Deployment.Domain))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(site), s.Deployment.InjectionToken) {
		t.Errorf("the site file contains the injection token")
	}
	for p, want := range map[string]os.FileMode{s.Layout.TokenFile(s.Deployment.Domain): 0o600, s.Layout.TokenDir(): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v", p, fi.Mode(), err, want)
		}
	}
}

// Debian's sites-enabled/default claims default_server on port 80: a second
// default_server in the site file makes nginx -t fail ("a duplicate default
// server"), and Start with it.
func TestNginxSiteCoexistsWithDebiansDefaultSite(t *testing.T) {
	s := nginxSiteWith(t, loopback.Config{DebianDefaultSite: true})
	req, _ := http.NewRequest("GET", s.HTTPURL("/x"), nil)
	if r := doReq(t, s.Client(), req); r.status != http.StatusMovedPermanently {
		t.Errorf("port 80 for the domain next to Debian's default site: %d, want 301", r.status)
	}
	req, _ = http.NewRequest("GET", "http://"+s.HTTPAddr+"/", nil)
	if r := doReq(t, s.Client(), req); r.status != 200 || r.body != loopback.DebianWelcome {
		t.Errorf("port 80 for another name: %d %q, want Debian's default site", r.status, r.body)
	}
	if r := call(t, s, "GET", "/metrics", bearerOf(s), ""); r.status != 200 {
		t.Errorf("GET /metrics with token: %d, want 200", r.status)
	}
}
