package loopback_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
)

// nginxTest marks a test that runs nginx: skipped under -short, parallel.
func nginxTest(t *testing.T) {
	t.Helper()
	loopbacktest.NeedNginx(t)
	t.Parallel()
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
