package standin

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed fixtures/kumomta-metrics.txt
var fixtureMetrics []byte

// FixtureMetrics returns a copy of the embedded /metrics capture of an idle
// kumod (see fixtures/SOURCES.md).
func FixtureMetrics() []byte { return append([]byte(nil), fixtureMetrics...) }

// DefaultBodyLimit is kumod's default request_body_limit: 2 MB.
const DefaultBodyLimit = 2 * 1024 * 1024

// DefaultAddr is where Start listens when Config.Addr is empty: a free
// loopback port.
const DefaultAddr = "127.0.0.1:0"

// Config tunes a stand-in kumod. The zero value is kumod's defaults on a
// free loopback port.
type Config struct {
	// Addr is the listen address, "127.0.0.1:0" (a free port) by default.
	Addr string
	// BodyLimit is request_body_limit in bytes (DefaultBodyLimit when 0).
	// kumoup's Lua module sets it to the deployment's MaxBodyBytes.
	BodyLimit int64
	// Metrics returns the body of GET /metrics. The default is the
	// embedded capture (FixtureMetrics). The stand-in calls it one call at
	// a time, so a hook wrapping a non-concurrent simulator (expogen.Sim's
	// Next) needs no lock of its own.
	Metrics func() []byte
}

// Request is what the stand-in recorded of one request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the decoded path (URL.Path).
	Path string
	// RawURI is the request target exactly as received (RequestURI).
	RawURI string
	// Host is the Host header (or HTTP/2 :authority).
	Host string
	// Authorization reports whether an Authorization header arrived. Its
	// value is never recorded.
	Authorization bool
	// Header holds the request headers, without Authorization.
	Header http.Header
	// BodyLength is the number of body bytes received on the wire.
	BodyLength int64
	// Status is the status code the stand-in answered.
	Status int
	// Time is when the request arrived.
	Time time.Time
}

// Kumod is a running stand-in kumod HTTP listener.
type Kumod struct {
	cfg  Config
	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	metricsMu sync.Mutex // serialises cfg.Metrics

	bodyLimit atomic.Int64 // request_body_limit; SetBodyLimit changes it

	mu       sync.Mutex
	requests []Request
	closed   bool
}

// Start listens on cfg.Addr and serves until Close or until ctx is done.
func Start(ctx context.Context, cfg Config) (*Kumod, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.BodyLimit < 0 {
		return nil, fmt.Errorf("standin: BodyLimit %d is negative: use 0 for kumod's default of 2 MB", cfg.BodyLimit)
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Metrics == nil {
		cfg.Metrics = FixtureMetrics
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("standin: listen on %s: %w", cfg.Addr, err)
	}
	k := &Kumod{cfg: cfg, ln: ln, done: make(chan struct{})}
	k.bodyLimit.Store(cfg.BodyLimit)
	k.srv = &http.Server{
		Handler:           k.handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(k.done)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener died, which the next request will show.
		_ = k.srv.Serve(ln)
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = k.Close()
		case <-k.done:
		}
	}()
	return k, nil
}

// Addr is the "ip:port" the stand-in listens on, usable as a deployment's
// Listener.
func (k *Kumod) Addr() string { return k.ln.Addr().String() }

// URL is "http://" + Addr.
func (k *Kumod) URL() string { return "http://" + k.Addr() }

// BodyLimit is the effective request_body_limit in bytes.
func (k *Kumod) BodyLimit() int64 { return k.bodyLimit.Load() }

// SetBodyLimit changes request_body_limit while the stand-in serves, as
// restarting kumod with a new policy would (0 means DefaultBodyLimit).
func (k *Kumod) SetBodyLimit(n int64) error {
	if n < 0 {
		return fmt.Errorf("standin: body limit %d is negative: use 0 for kumod's default of 2 MB", n)
	}
	if n == 0 {
		n = DefaultBodyLimit
	}
	k.bodyLimit.Store(n)
	return nil
}

// Close stops the listener and waits for the server to finish. It is safe
// to call more than once.
func (k *Kumod) Close() error {
	k.mu.Lock()
	already := k.closed
	k.closed = true
	k.mu.Unlock()
	if already {
		<-k.done
		return nil
	}
	err := k.srv.Close()
	<-k.done
	if err != nil {
		return fmt.Errorf("standin: close %s: %w", k.Addr(), err)
	}
	return nil
}

// Requests returns a copy of every request recorded since Start or the
// last Reset, oldest first.
func (k *Kumod) Requests() []Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]Request, len(k.requests))
	copy(out, k.requests)
	return out
}

// Reset forgets the recorded requests.
func (k *Kumod) Reset() {
	k.mu.Lock()
	k.requests = nil
	k.mu.Unlock()
}

func (k *Kumod) record(r Request) {
	k.mu.Lock()
	k.requests = append(k.requests, r)
	k.mu.Unlock()
}

func (k *Kumod) metrics() []byte {
	k.metricsMu.Lock()
	defer k.metricsMu.Unlock()
	return k.cfg.Metrics()
}
