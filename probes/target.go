package probes

import (
	"context"
	"crypto/x509"
	"net"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Target is what the checks know about the deployment under test.
type Target struct {
	// Deployment holds the answers, tokens included (read from disk).
	Deployment model.Deployment
	// Layout locates the files on disk (under --root).
	Layout writer.Layout

	// HTTPSPort and HTTPPort are the public ports (default 443 and 80).
	HTTPSPort, HTTPPort int
	// ConnectTo maps "host:port" to the "addr:port" actually dialled, like
	// curl's --connect-to: the name (SNI, Host) stays the same.
	ConnectTo map[string]string
	// Resolver is "ip:port" of the DNS server to ask; "" asks the system's.
	Resolver string
	// RootCAs verifies TLS; nil means the system roots.
	RootCAs *x509.CertPool
	// Insecure skips TLS verification (test setups only): every TLS check
	// then warns that it did.
	Insecure bool
	// Timeout is each check's own limit (default DefaultTimeout).
	Timeout time.Duration
	// Now is the clock (certificate expiry); nil means time.Now.
	Now func() time.Time
	// NginxBinary is the nginx to run for `nginx -t` ("" finds it in PATH).
	NginxBinary string
	// NginxConf is the main nginx.conf for `nginx -t` ("" means nginx's default).
	NginxConf string
	// NginxPrefix is nginx's -p prefix ("" means nginx's default).
	NginxPrefix string
	// ProcRoot is where /proc is read from ("" means /proc).
	ProcRoot string
	// HomeDirs are the home directories whose shell history is searched;
	// nil means every home directory in /etc/passwd under Layout.Root.
	HomeDirs []string

	// sweep is the work the checks of one Run share (see sweep); nil
	// outside Run.
	sweep *sweep
}

// DialContext dials addr, honouring ConnectTo.
func (t *Target) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := t.ConnectTo[addr]; ok {
		addr = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// bindConn makes conn's reads and writes end at ctx's deadline, or as soon
// as ctx is done; the returned func stops watching ctx.
func bindConn(ctx context.Context, conn net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
}

// checkTimeout is each check's own limit: Timeout, or DefaultTimeout.
func (t *Target) checkTimeout() time.Duration {
	if t.Timeout <= 0 {
		return DefaultTimeout
	}
	return t.Timeout
}

func (t *Target) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}
