package ui

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
)

// echoForms are the spellings of tok an echo may take.
func echoForms(tok string) []string {
	return []string{tok, tok[:len(tok)-1], url.QueryEscape(tok), strings.ReplaceAll(tok, "/", `\/`), tok[4:20]}
}

func TestMetricsPaneMasksWhatTheEndpointEchoes(t *testing.T) {
	const tok = "Tok/with+slash0123456789abcdefXYZ"
	st := NewStyles(true)
	p := metricsPane{url: "https://mta.example.com/metrics", redactor: redact.New(tok)}
	for _, err := range []error{
		&metrics.ScrapeError{Kind: metrics.KindRedirect, Status: 302, Detail: "to https://x/?t=" + url.QueryEscape(tok)},
		&metrics.ScrapeError{Kind: metrics.KindHTTPStatus, Status: 500, Detail: "Server: " + tok + " " + strings.Repeat("x", 400)},
		&metrics.ScrapeError{Kind: metrics.KindMalformed, Line: 1, Detail: `unknown metric type "` + tok + `"`},
		fmt.Errorf("parse: %s", strings.ReplaceAll(tok, "/", `\/`)),
	} {
		p.record(scrapeMsg{err: err, at: fixedNow})
		view := p.View(st, 60, 24, fixedNow)
		for _, f := range echoForms(tok) {
			if strings.Contains(view, f) {
				t.Fatalf("the pane shows %q:\n%s", f, view)
			}
		}
		if strings.Contains(view, strings.Repeat("x", 250)) {
			t.Fatalf("the pane shows an excerpt longer than %d characters:\n%s", redact.MaxExcerpt, view)
		}
	}
	sum := testSummary()
	sum.TopQueues = []metrics.QueueVolume{{Queue: "smtp_client:" + tok + "@smtp_client"}}
	sum.Suspended = []metrics.SuspendedSource{{Source: tok, Reason: "because " + tok}}
	p.record(scrapeMsg{sum: sum, at: fixedNow})
	view := p.View(st, 30, 40, fixedNow) // narrow: queue names are cut
	for _, f := range echoForms(tok) {
		if strings.Contains(view, f) {
			t.Fatalf("the pane shows %q:\n%s", f, view)
		}
	}
}

// TestDashboardNeverShowsATokenTheEndpointEchoes drives the dashboard
// against a real TLS endpoint that echoes the bearer token it is sent in a
// 401's headers and body, then in queue names.
func TestDashboardNeverShowsATokenTheEndpointEchoes(t *testing.T) {
	var ok atomic.Bool
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok.Load() {
			w.Header().Set("Server", "nginx "+tok)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"%s"}`, strings.ReplaceAll(tok, "/", `\/`))
			return
		}
		fmt.Fprintf(w, "# TYPE ready_count gauge\nready_count{service=\"smtp_client:%s\"} 5\n", tok)
	}))
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	f := dashboardOn(t, ts.URL+"/metrics", pool, 100*time.Millisecond, []probes.Check{})
	f.key("tab")
	f.waitText("401")
	check := func() {
		w := f.probe()
		for _, form := range echoForms(testInjectionToken) {
			if strings.Contains(w.text, form) {
				t.Fatalf("the dashboard shows %q:\n%s", form, w.text)
			}
		}
	}
	check()
	ok.Store(true)
	f.waitText("scraped")
	check()
}
