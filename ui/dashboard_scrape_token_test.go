package ui

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/internal/testca"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
)

// authRecorder serves the fixture metrics and records the Authorization
// header of every request.
type authRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(standin.FixtureMetrics())
}

// first waits for the first request and returns its Authorization.
func (a *authRecorder) first(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		if len(a.seen) > 0 {
			defer a.mu.Unlock()
			return a.seen[0]
		}
		a.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the dashboard did not scrape within 10 s")
	return ""
}

// Options.Scrape.URL goes through metrics.ConfigFor like the deployment's
// own endpoint: the deployment's token is sent only over verified https to
// the deployment's name, and the metrics pane says why it was held back.
func TestDashboardScrapeURLGetsTheTokenOnlyAtTheDeploymentsName(t *testing.T) {
	d := testDeployment()
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{d.Domain, "127.0.0.1", "elsewhere.example.net"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		url      func(addr string) string
		tls      bool
		token    string // what the server must see
		withheld string // what the metrics pane must say, "" for nothing
	}{
		{"the deployment's name over https", func(a string) string { return "https://" + d.Domain + ":" + port(t, a) + "/metrics" }, true, "Bearer " + d.InjectionToken, ""},
		{"another name over https", func(a string) string { return "https://elsewhere.example.net:" + port(t, a) + "/metrics" }, true, "", "goes only to its own name"},
		{"an address over https", func(a string) string { return "https://" + a + "/metrics" }, true, "", "goes only to its own name"},
		{"the deployment's name over http", func(a string) string { return "http://" + d.Domain + ":" + port(t, a) + "/metrics" }, false, "", "it goes only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &authRecorder{}
			ts := httptest.NewUnstartedServer(rec)
			if tc.tls {
				ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
				ts.StartTLS()
			} else {
				ts.Start()
			}
			defer ts.Close()
			addr := ts.Listener.Addr().String()
			p := port(t, addr)
			opt := testOptions(t.TempDir())
			opt.Prefill, opt.Start = &d, StartDashboard
			// Every name is routed to the test server, as --connect-to does.
			opt.Target = &probes.Target{RootCAs: ca.Pool(), ConnectTo: map[string]string{
				net.JoinHostPort(d.Domain, p):                addr,
				net.JoinHostPort("elsewhere.example.net", p): addr,
			}}
			opt.Scrape = metrics.Config{URL: tc.url(addr)}
			opt.ScrapeInterval, opt.CheckInterval = time.Hour, time.Hour
			opt.Checks = []probes.Check{}
			opt.now = time.Now
			f := startFlow(t, opt)
			if got := rec.first(t); got != tc.token {
				t.Errorf("the endpoint saw Authorization %q, want %q", got, tc.token)
			}
			f.key("tab") // the metrics pane, at 80 columns one pane at a time
			if tc.withheld != "" {
				f.waitText(tc.withheld)
			}
		})
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strconv.Atoi(p); err != nil {
		t.Fatal(err)
	}
	return p
}
