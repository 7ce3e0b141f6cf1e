package loopback_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

// needNginx skips under -short and fails (never skips) when nginx is missing.
func needNginx(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real nginx; skipped with -short")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatalf("%v (this test runs the real nginx)", err)
	}
}

// nginxTest marks a test that runs nginx: skipped under -short, parallel.
func nginxTest(t *testing.T) {
	t.Helper()
	needNginx(t)
	t.Parallel()
}

// startSite starts a site for the test (call nginxTest first) and stops it
// when the test ends.
func startSite(t *testing.T, cfg loopback.Config) *loopback.Site {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := loopback.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

type answer struct {
	status int
	header http.Header
	body   string
}

// get sends method rawPath to the site's HTTPS name exactly as written,
// with the injection token when withToken.
func get(t *testing.T, s *loopback.Site, method, rawPath, auth string, body string) answer {
	t.Helper()
	req := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "https", Host: s.Deployment.Domain, Opaque: rawPath},
		Header: http.Header{},
		Host:   s.Deployment.Domain,
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, s.Client(), req)
}

func send(t *testing.T, c *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", req.Method, req.URL, err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func bearer(s *loopback.Site) string { return "Bearer " + s.Deployment.InjectionToken }

// handshake tries a TLS handshake with the site at exactly version v.
func handshake(s *loopback.Site, v uint16, sni string) error {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", s.HTTPSAddr, &tls.Config{
		ServerName: sni,
		RootCAs:    s.CACertPool,
		MinVersion: v,
		MaxVersion: v,
	})
	if err != nil {
		return err
	}
	return c.Close()
}
