package probes

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
)

// edgeTestToken is a fixed, obviously fake token for unit tests.
const edgeTestToken = "kumoupTESTtokenNOTaSECRET0123456789abcdefgh"

// httpsTestServer serves h over HTTPS on loopback with a certificate for
// name from ca, and returns its address.
func httpsTestServer(tb testing.TB, ca *loopback.CA, name string, h http.Handler) string {
	tb.Helper()
	certPEM, keyPEM, err := ca.Issue([]string{name}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// edgeTLSServer is an HTTPS server on loopback with a certificate for
// mta.example.com from a throwaway CA, recording the Authorization headers
// it receives, and the Target that reaches it by name.
func edgeTLSServer(t *testing.T, h http.HandlerFunc) (*Target, *[]string) {
	t.Helper()
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var auths []string
	addr := httpsTestServer(t, ca, "mta.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		h(w, r)
	}))
	return &Target{
		Deployment: model.Deployment{Domain: "mta.example.com", InjectionToken: edgeTestToken},
		ConnectTo:  map[string]string{"mta.example.com:443": addr},
		RootCAs:    ca.Pool(),
	}, &auths
}

func TestEdgeClientNeverFollowsRedirects(t *testing.T) {
	target, auths := edgeTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example.net/steal", http.StatusFound)
	})
	c, done := target.edgeClient()
	defer done()
	resp, err := target.edgeFetchHTTPS(context.Background(), c, edgeRequest{Method: http.MethodGet, Path: "/metrics", Token: edgeTestToken})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusFound {
		t.Errorf("status %d, want the 302 itself", resp.Status)
	}
	if len(*auths) != 1 {
		t.Errorf("%d requests reached the server, want 1 (no redirect followed)", len(*auths))
	}
}

func TestEdgeClientSendsTheTokenOnlyOverVerifiedTLSToTheName(t *testing.T) {
	target, auths := edgeTLSServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c, done := target.edgeClient()
	defer done()
	if _, err := target.edgeFetchHTTPS(context.Background(), c, edgeRequest{Method: http.MethodGet, Path: "/", Token: edgeTestToken}); err != nil {
		t.Fatal(err)
	}
	if got := (*auths)[0]; got != "Bearer "+edgeTestToken {
		t.Errorf("verified request carried %q, want the bearer token", got)
	}

	insecure := *target
	insecure.Insecure, insecure.RootCAs = true, nil
	c2, done2 := insecure.edgeClient()
	defer done2()
	_, err := insecure.edgeFetchHTTPS(context.Background(), c2, edgeRequest{Method: http.MethodGet, Path: "/", Token: edgeTestToken})
	if err != errTokenWithheld {
		t.Errorf("with --insecure: err %v, want errTokenWithheld", err)
	}
	if len(*auths) != 1 {
		t.Errorf("with --insecure a request was sent anyway (%d requests)", len(*auths))
	}
	for _, u := range []string{"http://mta.example.com/", "https://other.example.com/", "https://mta.example.com.evil.test/"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if target.edgeTokenAllowed(req.URL) {
			t.Errorf("token allowed on %s", u)
		}
	}
}

func TestEdgeClientRefusesACertificateItCannotVerify(t *testing.T) {
	target, auths := edgeTLSServer(t, func(w http.ResponseWriter, r *http.Request) {})
	target.RootCAs = nil // system roots: the test CA is unknown
	got := edgeRun(t, target, "edge.metrics.authenticated")["edge.metrics.authenticated"]
	if got.Status != StatusSkip || got.BlockedBy != "tls.certificate.chain" || !strings.Contains(got.Detail, "certificate signed by unknown authority") {
		t.Errorf("got %s %q blocked_by %q, want a skip naming the certificate, blocked by tls.certificate.chain", got.Status, got.Detail, got.BlockedBy)
	}
	if len(*auths) != 0 {
		t.Errorf("the server received %d request(s) over TLS that did not verify", len(*auths))
	}
}

func TestHSTSVerdict(t *testing.T) {
	cases := []struct {
		name    string
		values  []string
		age     int64
		verdict string
	}{
		{"two years", []string{"max-age=63072000"}, 63072000, ""},
		{"one year with includeSubDomains", []string{"max-age=31536000; includeSubDomains"}, 31536000, ""},
		{"quoted, odd case", []string{`Max-Age="31536000"`}, 31536000, ""},
		{"too short", []string{"max-age=300"}, 300, "max-age=300 is too short"},
		{"missing", nil, 0, "no header"},
		{"no max-age", []string{"includeSubDomains"}, 0, `"includeSubDomains" has no max-age`},
		{"only the first header counts", []string{"max-age=60", "max-age=63072000"}, 60, "max-age=60 is too short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			age, verdict := hstsVerdict(tc.values)
			if age != tc.age || verdict != tc.verdict {
				t.Errorf("hstsVerdict(%q) = %d, %q; want %d, %q", tc.values, age, verdict, tc.age, tc.verdict)
			}
		})
	}
}

func TestEdgeSwapCaseChangesEveryLetter(t *testing.T) {
	if got := edgeSwapCase("aB3-_~z"); got != "Ab3-_~Z" {
		t.Errorf("edgeSwapCase = %q", got)
	}
}

func TestRedactMasksTheTokenAndItsVariants(t *testing.T) {
	results := []Result{
		{Detail: "full " + edgeTestToken + " end", Remedy: "case " + edgeSwapCase(edgeTestToken)},
		{Detail: "cut " + edgeTestToken[:len(edgeTestToken)-1] + "|", Remedy: "nothing secret here"},
	}
	got := Redact(results, edgeTestToken, "")
	want := []Result{
		{Detail: "full " + model.Masked + " end", Remedy: "case " + model.Masked},
		{Detail: "cut " + model.Masked + "|", Remedy: "nothing secret here"},
	}
	for i := range want {
		if got[i].Detail != want[i].Detail || got[i].Remedy != want[i].Remedy {
			t.Errorf("result %d: %q / %q, want %q / %q", i, got[i].Detail, got[i].Remedy, want[i].Detail, want[i].Remedy)
		}
	}
	if results[0].Detail == got[0].Detail {
		t.Error("Redact changed its input instead of returning a copy")
	}
}

func TestParseConnectTo(t *testing.T) {
	cases := []struct {
		in, from, to, err string
	}{
		{in: "mta.example.com:443:127.0.0.1:8443", from: "mta.example.com:443", to: "127.0.0.1:8443"},
		{in: "mta.example.com:80:[::1]:8080", from: "mta.example.com:80", to: "[::1]:8080"},
		{in: "mta.example.com:443:127.0.0.1", err: "want HOST:PORT:ADDR:PORT"},
		{in: "mta.example.com:443::8443", err: "part 3 is empty"},
		{in: "mta.example.com:https:127.0.0.1:8443", err: `"https" is not a port`},
		{in: "mta.example.com:443:[::1:8443", err: "want HOST:PORT:ADDR:PORT"},
	}
	for _, tc := range cases {
		from, to, err := ParseConnectTo(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseConnectTo(%q) error %v, want one containing %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || from != tc.from || to != tc.to):
			t.Errorf("ParseConnectTo(%q) = %q, %q, %v; want %q, %q", tc.in, from, to, err, tc.from, tc.to)
		}
	}
}
