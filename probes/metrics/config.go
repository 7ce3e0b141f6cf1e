package metrics

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Defaults for a Config's zero fields.
const (
	DefaultInterval = 2 * time.Second
	// DefaultMaxBody is the largest exposition accepted, in bytes after
	// decompression: about 12M series. A summary streams the exposition,
	// so memory does not grow with it; the cap bounds the work a scrape
	// may cost (a gzip bomb) and what --dump holds.
	DefaultMaxBody = 1 << 30
	// DumpMaxBody is the default cap where the exposition is held whole
	// and parsed by expfmt (kumoup metrics --dump), which needs several
	// times its size in memory: 64 MiB, about 730k series.
	DumpMaxBody           = 64 << 20
	DefaultConnectTimeout = 3 * time.Second
)

// Config says where and how to scrape.
type Config struct {
	// URL of the metrics endpoint, e.g. https://mta.example.com/metrics.
	URL string
	// Token is sent as "Authorization: Bearer <Token>" on each request
	// (never on a redirect, which is not followed). Empty sends none.
	Token string

	// TLS is the client TLS configuration. When nil, one is built from
	// RootCAs (nil: the system roots) and InsecureSkipVerify.
	TLS                *tls.Config
	RootCAs            *x509.CertPool
	InsecureSkipVerify bool

	// DialContext, when set, replaces the TCP dialer: it receives the URL's
	// host:port, so TLS SNI and Host stay the URL's name (--connect-to).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Interval between scrapes (DefaultInterval if 0). Timeout is each
	// scrape's deadline, from connect to the last body byte; it must be
	// shorter than Interval (three quarters of it if 0).
	Interval, Timeout time.Duration
	// ConnectTimeout bounds the TCP connect and, separately, the TLS
	// handshake (DefaultConnectTimeout if 0, capped by Timeout).
	// ResponseHeaderTimeout bounds the wait for response headers once the
	// request is sent (Timeout if 0).
	ConnectTimeout, ResponseHeaderTimeout time.Duration
	// MaxBody caps the exposition size after decompression (DefaultMaxBody
	// if 0). Refresh streams up to this much; Scrape holds up to this much.
	MaxBody int64
}

// withDefaults fills zero fields and checks the result.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return c, fmt.Errorf("metrics url %q: want an absolute http(s) URL such as https://mta.example.com/metrics", c.URL)
	}
	if u.User != nil {
		return c, fmt.Errorf("metrics url: credentials in the URL are not allowed; give the token in a file")
	}
	if strings.ContainsAny(c.Token, "\r\n") {
		return c, fmt.Errorf("metrics token: contains a line break; the token file must hold the token on one line")
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = c.Interval * 3 / 4
	}
	if c.Interval < 0 || c.Timeout < 0 || c.Timeout >= c.Interval {
		return c, fmt.Errorf("metrics timeout %v: must be positive and shorter than the interval %v so scrapes never pile up", c.Timeout, c.Interval)
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	c.ConnectTimeout = min(c.ConnectTimeout, c.Timeout)
	if c.ResponseHeaderTimeout <= 0 {
		c.ResponseHeaderTimeout = c.Timeout
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxBody < 0 {
		return c, fmt.Errorf("metrics max body %d: must be positive", c.MaxBody)
	}
	return c, nil
}
