package probes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// SOCKS5 greeting (RFC 1928): version 5, one method, "no authentication".
var socks5Greeting = []byte{5, 1, 0}

const (
	socks5NoAuth       = 0x00
	socks5NoAcceptable = 0xFF
)

// checkProxySOCKS5 sends KumoProxy a SOCKS5 greeting offering only
// "no authentication", the one method kumod uses, and reads the choice.
func checkProxySOCKS5(ctx context.Context, t *Target) Result {
	d := t.Deployment.WithDefaults()
	if d.ProxyHost == "" {
		return Skip("KUMOPROXY_HOST is not set (see host.envfile.values)")
	}
	addr := d.ProxyAddress()
	conn, err := t.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Fail(fmt.Sprintf("start KumoProxy on %s (proxy-server --listen %s) and let this host through its firewall", d.ProxyHost, addr),
			"connect to %s: %v", addr, netDialReason(err))
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()

	notSOCKS := fmt.Sprintf("point KUMOPROXY_HOST/KUMOPROXY_PORT in %s at KumoProxy's SOCKS5 listener, then %s", t.Layout.EnvFile(), restartCommand)
	if _, err := conn.Write(socks5Greeting); err != nil {
		return Fail(notSOCKS, "%s is open but not SOCKS5: sending the greeting failed: %v", addr, err)
	}
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(conn, buf, 2)
	switch {
	case n > 0 && buf[0] != 5:
		return Fail(notSOCKS, "%s is open but not SOCKS5: it answered %q to a SOCKS5 greeting", addr, socks5ReplyExcerpt(buf[:n]))
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		return Fail(notSOCKS, "%s is open but not SOCKS5: no answer to a SOCKS5 greeting before the timeout", addr)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return Fail(notSOCKS, "%s is open but not SOCKS5: it closed the connection without answering a SOCKS5 greeting", addr)
	case err != nil:
		return Fail(notSOCKS, "%s is open but not SOCKS5: %v after a SOCKS5 greeting", addr, netDialReason(err))
	case buf[1] == socks5NoAcceptable:
		return Fail("let KumoProxy accept unauthenticated SOCKS5 clients from this host: kumod cannot send a username or password",
			"%s speaks SOCKS5 but refuses method 'no auth' (it answered 0x05 0xFF)", addr)
	case buf[1] != socks5NoAuth:
		return Fail(notSOCKS, "%s speaks SOCKS5 but chose method 0x%02x, which the greeting did not offer", addr, buf[1])
	}
	answered := fmt.Sprintf("SOCKS5 greeting to %s: version 5, method 'no auth' accepted", addr)
	if _, err := netip.ParseAddr(d.ProxyHost); err != nil {
		ip, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
		return Warn(fmt.Sprintf("set KUMOPROXY_HOST=%s in %s, then %s", ip, t.Layout.EnvFile(), restartCommand),
			"%s, but KUMOPROXY_HOST is the host name %q: released kumod accepts only an IP literal in socks5_proxy_server", answered, d.ProxyHost)
	}
	return Pass("%s", answered)
}

// netDialReason shortens a dial error to its cause.
func netDialReason(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// socks5ReplyExcerpt quotes at most 32 bytes of a reply.
func socks5ReplyExcerpt(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	return string(b)
}
