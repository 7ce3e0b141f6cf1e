package loopback

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DialContext dials addr, replacing it by its ConnectTo entry when it has
// one (the name stays what TLS and Host see).
func (s *Site) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := s.ConnectTo[addr]; ok {
		addr = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TLSConfig trusts only the site's CA and sends the domain as SNI.
func (s *Site) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CACertPool, ServerName: s.Deployment.Domain}
}

// Client returns an HTTP client that reaches the domain on loopback (via
// ConnectTo, with SNI and Host the domain), verifies TLS against the site's
// CA and never follows redirects.
func (s *Site) Client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         s.DialContext,
			TLSClientConfig:     &tls.Config{RootCAs: s.CACertPool},
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 10 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}
}

// HTTP1Client is Client limited to HTTP/1.1 (Client negotiates HTTP/2
// with nginx).
func (s *Site) HTTP1Client() *http.Client {
	c := s.Client()
	tr := c.Transport.(*http.Transport)
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	return c
}

// URL is "https://<domain>" + path: port 443, which ConnectTo maps to
// HTTPSAddr.
func (s *Site) URL(path string) string { return "https://" + s.Deployment.Domain + path }

// HTTPURL is "http://<domain>" + path: port 80, mapped to HTTPAddr.
func (s *Site) HTTPURL(path string) string { return "http://" + s.Deployment.Domain + path }

// CurlConnectTo returns curl arguments that reach the site like Client
// does: "--connect-to", "<domain>:443:127.0.0.1:<port>", and the same for
// port 80, then "--cacert", CAFile.
func (s *Site) CurlConnectTo() []string {
	d := s.Deployment.Domain
	return []string{
		"--connect-to", d + ":443:" + s.HTTPSAddr,
		"--connect-to", d + ":80:" + s.HTTPAddr,
		"--cacert", s.CAFile,
	}
}

// PutChallenge writes an ACME http-01 challenge file named name into the
// webroot (0644, its directories 0755) and returns its URL path.
func (s *Site) PutChallenge(name string, content []byte) (string, error) {
	name = strings.TrimPrefix(name, "/")
	if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return "", &os.PathError{Op: "put challenge", Path: name, Err: os.ErrInvalid}
	}
	p := filepath.Join(s.Deployment.ACMEWebroot, ".well-known", "acme-challenge", name)
	if err := writeFile(p, content); err != nil {
		return "", err
	}
	return "/.well-known/acme-challenge/" + name, nil
}
