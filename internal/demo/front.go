package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/kumoup/kumoup/model"
)

// front plays nginx's part when nginx is not installed, so the dashboard
// still scrapes with the token, which it sends only over verified https to
// the deployment's name (metrics.ConfigFor): TLS on loopback with a
// certificate for that name, only the exact "Bearer <token>" header
// (case-sensitive) is let through, and only to /metrics and
// /api/inject/v1, with the header removed before the stand-in kumod (which
// refuses any Authorization header, as kumod does). Everything else is
// 404, a missing or wrong token 401.
type front struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
	want atomic.Pointer[string]          // the exact Authorization value let through
	cert atomic.Pointer[tls.Certificate] // served for every name
}

func startFront(ctx context.Context, upstream, token string, cert tls.Certificate) (*front, error) {
	target, err := url.Parse("http://" + upstream)
	if err != nil {
		return nil, fmt.Errorf("demo: front: upstream %q: %w", upstream, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: front: listen on loopback: %w", err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Header.Del("Authorization")
	}}
	f := &front{done: make(chan struct{})}
	f.setToken(token)
	f.setCertificate(cert)
	f.ln = tls.NewListener(ln, &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return f.cert.Load(), nil
		},
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.EscapedPath(); p != model.MetricsPath && p != model.InjectionPath {
			http.NotFound(w, r)
			return
		}
		if v := r.Header.Values("Authorization"); len(v) != 1 || v[0] != *f.want.Load() {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kumoup demo"`)
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	f.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(f.done)
		_ = f.srv.Serve(f.ln)
	}()
	return f, nil
}

// setToken makes token the only one let through, from the next request on.
func (f *front) setToken(token string) {
	want := "Bearer " + token
	f.want.Store(&want)
}

// setCertificate makes cert the one served, from the next handshake on.
func (f *front) setCertificate(cert tls.Certificate) { f.cert.Store(&cert) }

// Addr is the front's "127.0.0.1:port".
func (f *front) Addr() string { return f.ln.Addr().String() }

// Close stops the front and waits for it.
func (f *front) Close() error {
	err := f.srv.Close()
	<-f.done
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("demo: front: close: %w", err)
	}
	return nil
}
