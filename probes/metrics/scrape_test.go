package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

const testToken = "test-token-not-a-secret"

// endpoint starts a TLS server whose handler is h and returns a Config
// that trusts it and sends testToken.
func endpoint(t testing.TB, h http.HandlerFunc) (*httptest.Server, Config) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are what some tests provoke
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return ts, Config{URL: ts.URL + "/metrics", Token: testToken, RootCAs: pool, Interval: 2 * time.Second, Timeout: time.Second}
}

func scrape(t *testing.T, cfg Config) ([]byte, error) {
	t.Helper()
	s, err := NewScraper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Scrape(context.Background())
}

// refresh builds a Scraper for cfg and refreshes a new Summarizer once.
func refresh(t *testing.T, cfg Config) (Summary, error) {
	t.Helper()
	s, err := NewScraper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Refresh(context.Background(), NewSummarizer())
}

func wantKind(t *testing.T, err error, kind Kind) *ScrapeError {
	t.Helper()
	var se *ScrapeError
	if !errors.As(err, &se) || se.Kind != kind {
		t.Fatalf("got error %v, want a %v scrape error", err, kind)
	}
	if strings.Contains(se.Error(), testToken) {
		t.Fatalf("error reveals the token: %v", se)
	}
	if se.Message() == "" || se.Remedy() == "" {
		t.Fatalf("%v has no message or remedy", kind)
	}
	return se
}

func kumod(t testing.TB, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.Header().Set("Server", "nginx/1.22.1")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "<html><head><title>401 Authorization Required</title></head></html>")
			return
		}
		if r.URL.Path != "/metrics" || r.Header.Get("Accept") != "text/plain;version=0.0.4" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(body)
			zw.Close()
			return
		}
		w.Write(body)
	}
}

func TestScrapeFetchesExpositionWithTokenAndGzip(t *testing.T) {
	var gzipped atomic.Bool
	body := fixture(t)
	h := kumod(t, body)
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		gzipped.Store(strings.Contains(r.Header.Get("Accept-Encoding"), "gzip"))
		h(w, r)
	})
	got, err := scrape(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("scraped %d bytes, want the fixture's %d", len(got), len(body))
	}
	if !gzipped.Load() {
		t.Error("the request did not offer gzip")
	}
}

func TestScrapeReusesItsConnectionAndBuffer(t *testing.T) {
	var conns atomic.Int32
	ts := httptest.NewUnstartedServer(kumod(t, fixture(t)))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	s, err := NewScraper(Config{URL: ts.URL + "/metrics", Token: testToken, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 3 {
		if _, err := s.Scrape(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("3 scrapes opened %d connections, want 1", n)
	}
}

func TestScrapeRejectsUnknownCA(t *testing.T) {
	_, cfg := endpoint(t, kumod(t, fixture(t)))
	cfg.RootCAs = x509.NewCertPool()
	_, err := scrape(t, cfg)
	se := wantKind(t, err, KindTLS)
	if !strings.Contains(se.Detail, "unknown authority") {
		t.Errorf("detail %q does not name the reason (unknown authority)", se.Detail)
	}
}

func TestScrapeRejectsCertificateForAnotherName(t *testing.T) {
	ts, cfg := endpoint(t, kumod(t, fixture(t)))
	cfg.URL = strings.Replace(ts.URL, "127.0.0.1", "localhost", 1) + "/metrics"
	_, err := scrape(t, cfg)
	se := wantKind(t, err, KindTLS)
	if !strings.Contains(se.Detail, "localhost") {
		t.Errorf("detail %q does not name the mismatched host", se.Detail)
	}
}

// TestScrapeNamesAnExpiredCertificate: the verification reason says the
// certificate expired (the usual failure after a broken certbot renewal).
func TestScrapeNamesAnExpiredCertificate(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind loopback.CertKind
		want string // "" for success
	}{{loopback.CertExpired, "expired"}, {loopback.CertValid, ""}} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			certPEM, keyPEM, err := ca.IssueKind(tc.kind, "mta.example.com", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			cert, err := tls.X509KeyPair(certPEM, keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewUnstartedServer(kumod(t, fixture(t)))
			ts.Config.ErrorLog = log.New(io.Discard, "", 0)
			ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
			ts.StartTLS()
			defer ts.Close()
			addr := ts.Listener.Addr().String()
			_, err = scrape(t, Config{URL: "https://mta.example.com/metrics", Token: testToken, RootCAs: ca.Pool(),
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, addr)
				}})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if se := wantKind(t, err, KindTLS); !strings.Contains(se.Detail, tc.want) {
				t.Errorf("detail %q does not say %q", se.Detail, tc.want)
			}
		})
	}
}

func TestScrapeInsecureSkipsVerification(t *testing.T) {
	_, cfg := endpoint(t, kumod(t, fixture(t)))
	cfg.RootCAs, cfg.InsecureSkipVerify = nil, true
	if _, err := scrape(t, cfg); err != nil {
		t.Fatal(err)
	}
}

func TestScrapeConnectToKeepsNameForTLS(t *testing.T) {
	ts, cfg := endpoint(t, kumod(t, fixture(t)))
	addr := ts.Listener.Addr().String()
	cfg.URL = "https://example.com/metrics" // the test certificate is valid for example.com
	var dialled atomic.Value
	cfg.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		dialled.Store(a)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	if _, err := scrape(t, cfg); err != nil {
		t.Fatal(err)
	}
	if got := dialled.Load(); got != "example.com:443" {
		t.Errorf("dialler asked for %v, want example.com:443", got)
	}
}

func TestScrapeClassifiesUnauthorizedByNginx(t *testing.T) {
	_, cfg := endpoint(t, kumod(t, fixture(t)))
	cfg.Token = "wrong-token"
	se := wantKind(t, func() error { _, err := scrape(t, cfg); return err }(), KindUnauthorizedByNginx)
	if se.Status != 401 || !strings.Contains(se.Detail, "nginx") {
		t.Errorf("got status %d detail %q, want 401 from nginx", se.Status, se.Detail)
	}
}

func TestScrapeClassifiesRefusedByKumod(t *testing.T) {
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "BearerToken Authentication Failed")
	})
	_, err := scrape(t, cfg)
	wantKind(t, err, KindRefusedByKumod)
}

func TestScrapeClassifiesUpstreamDown(t *testing.T) {
	for _, code := range []int{http.StatusBadGateway, http.StatusGatewayTimeout} {
		_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
		_, err := scrape(t, cfg)
		if se := wantKind(t, err, KindUpstreamDown); se.Status != code {
			t.Errorf("status %d, want %d", se.Status, code)
		}
	}
}

func TestScrapeClassifiesOtherStatus(t *testing.T) {
	_, cfg := endpoint(t, http.NotFound)
	_, err := scrape(t, cfg)
	if se := wantKind(t, err, KindHTTPStatus); se.Status != 404 {
		t.Errorf("status %d, want 404", se.Status)
	}
}

func TestScrapeClassifiesUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = scrape(t, Config{URL: "https://" + addr + "/metrics", Token: testToken})
	wantKind(t, err, KindUnreachable)
}

// TestScrapeClassifiesAnUnansweredConnectAsUnreachable: a firewall that
// drops the SYN makes the connect hang until the deadline. Tests may only
// use loopback, so the dialer hangs the way such a connect does.
func TestScrapeClassifiesAnUnansweredConnectAsUnreachable(t *testing.T) {
	cfg := Config{URL: "https://mta.example.com/metrics", Token: testToken, Interval: time.Second, Timeout: 300 * time.Millisecond,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			<-ctx.Done()
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		}}
	start := time.Now()
	_, err := scrape(t, cfg)
	se := wantKind(t, err, KindUnreachable)
	if !strings.Contains(se.Detail, "TCP connect not answered") {
		t.Errorf("detail %q does not say the connect went unanswered", se.Detail)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about 300ms", d)
	}
}

// TestScrapeClassifiesAStalledTLSHandshakeAsTimeout: the TCP connect
// succeeds (so the host is reachable) but the server never speaks TLS.
func TestScrapeClassifiesAStalledTLSHandshakeAsTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	_, err = scrape(t, Config{URL: "https://" + ln.Addr().String() + "/metrics", Token: testToken, Interval: time.Second, Timeout: 300 * time.Millisecond})
	se := wantKind(t, err, KindTimeout)
	if !strings.Contains(se.Detail, "TLS handshake") {
		t.Errorf("detail %q does not name the TLS handshake", se.Detail)
	}
}

func TestScrapeClassifiesPlainHTTPPortAsTLS(t *testing.T) {
	ts := httptest.NewServer(kumod(t, fixture(t)))
	defer ts.Close()
	_, err := scrape(t, Config{URL: strings.Replace(ts.URL, "http:", "https:", 1) + "/metrics", Token: testToken})
	wantKind(t, err, KindTLS)
}

func TestScrapeTimesOutOnSlowEndpoint(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"slow headers", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}},
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "memory_usage 1\n")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := endpoint(t, tc.h)
			cfg.Timeout = 300 * time.Millisecond
			start := time.Now()
			_, err := scrape(t, cfg)
			wantKind(t, err, KindTimeout)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("timeout took %v, want about 300ms", d)
			}
		})
	}
}

func TestScrapeCapsBody(t *testing.T) {
	big := bytes.Repeat([]byte("memory_usage 1\n"), 100_000) // 1.5 MB
	_, cfg := endpoint(t, kumod(t, big))
	cfg.MaxBody = 1 << 20
	_, err := scrape(t, cfg)
	se := wantKind(t, err, KindTooLarge)
	if !strings.Contains(se.Detail, "1 MiB") {
		t.Errorf("detail %q does not state the cap", se.Detail)
	}
}

// TestScrapeStopsGzipBomb serves 64 MiB of zeros compressed to about 64
// KiB: the cap applies after decompression, so the scrape stops at 1 MiB
// with a clean error and without holding the whole expansion.
func TestScrapeStopsGzipBomb(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	cfg.MaxBody = 1 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := scrape(t, cfg)
	runtime.ReadMemStats(&after)
	wantKind(t, err, KindTooLarge)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("the scrape allocated %d MiB for a 1 MiB cap", grew>>20)
	}
}

func TestScrapeClassifiesCorruptGzipAsMalformed(t *testing.T) {
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		io.WriteString(w, "this is not gzip at all")
	})
	_, err := scrape(t, cfg)
	wantKind(t, err, KindMalformed)
}

// TestScrapeNeverFollowsRedirectNorSendsTokenThere: the endpoint redirects
// to a second server that counts every request it gets.
func TestScrapeNeverFollowsRedirectNorSendsTokenThere(t *testing.T) {
	var hits, tokens atomic.Int32
	target, _ := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			tokens.Add(1)
		}
	})
	for _, code := range []int{http.StatusFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/metrics", code)
		})
		_, err := scrape(t, cfg)
		se := wantKind(t, err, KindRedirect)
		if se.Status != code || !strings.Contains(se.Detail, target.URL) {
			t.Errorf("got status %d detail %q, want %d to %s", se.Status, se.Detail, code, target.URL)
		}
	}
	if hits.Load() != 0 || tokens.Load() != 0 {
		t.Errorf("redirect target got %d requests (%d with a token), want none", hits.Load(), tokens.Load())
	}
}

func TestRefreshReportsMalformedExpositionWithLine(t *testing.T) {
	_, cfg := endpoint(t, kumod(t, []byte("# HELP memory_usage bytes\nmemory_usage 12 ms\n")))
	_, err := refresh(t, cfg)
	if se := wantKind(t, err, KindMalformed); se.Line != 2 {
		t.Errorf("line %d, want 2", se.Line)
	}
}

func TestRefreshSummarizesTheEndpoint(t *testing.T) {
	_, cfg := endpoint(t, kumod(t, fixture(t)))
	sum, err := refresh(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantStat(t, "memory", sum.Memory, 320516096)
}

func TestNewScraperRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no scheme", Config{URL: "mta.example.com/metrics"}, "absolute http(s) URL"},
		{"credentials in URL", Config{URL: "https://u:p@mta.example.com/metrics"}, "credentials in the URL"},
		{"token with newline", Config{URL: "https://mta.example.com/metrics", Token: "abc\n"}, "line break"},
		{"timeout not shorter than interval", Config{URL: "https://mta.example.com/metrics", Interval: time.Second, Timeout: time.Second}, "shorter than the interval"},
		{"negative cap", Config{URL: "https://mta.example.com/metrics", MaxBody: -1}, "max body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewScraper(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			if tc.cfg.Token != "" && strings.Contains(err.Error(), tc.cfg.Token) {
				t.Fatalf("error reveals the token: %v", err)
			}
		})
	}
}

func TestNewScraperFillsDefaults(t *testing.T) {
	s, err := NewScraper(Config{URL: "https://mta.example.com/metrics"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.Interval != 2*time.Second || c.Timeout != 1500*time.Millisecond || c.MaxBody != 1<<30 || c.ConnectTimeout != 1500*time.Millisecond {
		t.Errorf("defaults: %+v", c)
	}
}

func TestRefreshReportsHTMLPageAsMalformed(t *testing.T) {
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!DOCTYPE html>\n<html><body>Welcome to nginx!</body></html>\n")
	})
	_, err := refresh(t, cfg)
	if se := wantKind(t, err, KindMalformed); se.Line != 1 {
		t.Errorf("line %d, want 1", se.Line)
	}
}

func TestTimeoutRemedyNamesOnlyFlagsThatExistAndWhatToLookAt(t *testing.T) {
	r := (&ScrapeError{Kind: KindTimeout}).Remedy()
	for _, want := range []string{"kumod's load", "proxy_read_timeout", "network", "kumoup metrics takes a longer --timeout", "--interval", "--scrape-interval"} {
		if !strings.Contains(r, want) {
			t.Errorf("timeout remedy %q does not say %q", r, want)
		}
	}
	if strings.Contains(r, "scrape timeout") {
		t.Errorf("timeout remedy %q names a scrape timeout no command has a flag for", r)
	}
}
