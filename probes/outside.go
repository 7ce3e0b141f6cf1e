package probes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// outsideChecks are the checks `kumoup status --from-outside NAME` runs from
// another network, in order: the guide's verification checklist "from an
// untrusted network". They need only the public name (Deployment.Domain);
// KumoProxy's address in ProxyPublicIP (kumoup status --proxy IP), when
// known, is probed too.
var outsideChecks = []Check{
	{ID: "outside.inject.unauthenticated", Title: "Injection without a token is refused (401)", Run: outsideInjectNoToken},
	{ID: "outside.metrics.unauthenticated", Title: "Metrics without a token are refused (401)", Run: outsideMetricsNoToken},
	{ID: "outside.unknown.paths", Title: "Unknown paths are 404", Run: outsideUnknownPath},
	{ID: "outside.admin.api", Title: "The admin API of kumod is not exposed (404)", Run: outsideAdminAPI},
	{ID: "outside.port.listener", Title: "The HTTP listener port of kumod is not reachable", Run: outsideListenerPort},
	{ID: "outside.port.proxy", Title: "KumoProxy's port is not reachable", Run: outsideProxyPort},
	{ID: "outside.http.redirect", Title: "Port 80 only redirects to https", Run: outsideHTTPRedirect},
	{ID: "outside.http.acme", Title: "Port 80 serves ACME challenges (404 for a missing one)", Run: outsideACME},
}

// OutsideCatalogue returns the checks run from an untrusted network against
// a deployment's public name.
func OutsideCatalogue() []Check { return append([]Check(nil), outsideChecks...) }

// outsideProbeName is a random path segment: nothing can exist there.
func outsideProbeName() string { return "kumoup-outside-" + randomHex(8) }

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// outsideWant401 asks path without a token and wants nginx's 401: the
// edge check's verdict (verdictRefusedWithoutToken), over the verified
// connection only.
func outsideWant401(ctx context.Context, t *Target, method, path, body string) Result {
	c, done := t.edgeClient()
	defer done()
	r, err := t.edgeFetchHTTPS(ctx, c, edgeRequest{Method: method, Path: path, JSONBody: body})
	if err != nil {
		return Fail(t.edgeTransportRemedy(err), "%s %s without a token: %v", method, t.edgeOriginURL("https")+path, err)
	}
	return t.verdictRefusedWithoutToken(path, method+" "+path+" without a token", r)
}

func outsideInjectNoToken(ctx context.Context, t *Target) Result {
	return outsideWant401(ctx, t, http.MethodPost, model.InjectionPath, "{}")
}

func outsideMetricsNoToken(ctx context.Context, t *Target) Result {
	return outsideWant401(ctx, t, http.MethodGet, model.MetricsPath, "")
}

// outsideWant404 asks each path without a token and wants 404 for all:
// the edge check's verdict (verdictOnly404).
func outsideWant404(ctx context.Context, t *Target, what string, paths ...string) Result {
	c, done := t.edgeClient()
	defer done()
	resps := make([]edgeResponse, len(paths))
	for i, p := range paths {
		r, err := t.edgeFetchHTTPS(ctx, c, edgeRequest{Method: http.MethodGet, Path: p})
		if err != nil {
			return Fail(t.edgeTransportRemedy(err), "GET %s (%s): %v", t.edgeOriginURL("https")+p, what, err)
		}
		resps[i] = r
	}
	return t.verdictOnly404("without a token for "+what, paths, resps)
}

func outsideUnknownPath(ctx context.Context, t *Target) Result {
	return outsideWant404(ctx, t, "paths nginx does not serve", "/"+outsideProbeName(), "/"+model.MetricsPath[1:]+".json")
}

func outsideAdminAPI(ctx context.Context, t *Target) Result {
	return outsideWant404(ctx, t, "kumod's admin API", "/api/admin/ready-q-states/v1", "/api/machine-info", "/rapidoc")
}

// outsideDialTimeout is how long a closed-port probe waits: a firewall
// drop never answers, so the wait ends the probe.
const outsideDialTimeout = 2 * time.Second

// outsideDial tries a TCP connection to addr. It returns whether it
// connected and, when not, "refused" or "timed out (filtered)".
func outsideDial(ctx context.Context, t *Target, addr string) (bool, string) {
	timeout := outsideDialTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) / 3; left < timeout {
			timeout = left
		}
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := t.DialContext(dctx, "tcp", addr)
	if err == nil {
		c.Close()
		return true, "connected"
	}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return false, "refused"
	case errors.As(err, &dnsErr):
		return false, "name error: " + dnsErr.Err
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) || errors.As(err, &netErr) && netErr.Timeout():
		return false, "timed out (filtered)"
	}
	return false, err.Error()
}

// outsideClosed checks that none of addrs accepts a TCP connection. When
// the public HTTPS port is not reachable either, the probe cannot tell a
// firewall from an unreachable host: a warning, not a pass.
func outsideClosed(ctx context.Context, t *Target, what, remedy string, addrs ...string) Result {
	var notes, unprobed []string
	for _, a := range addrs {
		ok, how := outsideDial(ctx, t, a)
		if ok {
			return Fail(remedy, "%s: %s accepted a TCP connection from this network", what, a)
		}
		notes = append(notes, a+" "+how)
		if strings.HasPrefix(how, "name error") {
			unprobed = append(unprobed, a)
		}
	}
	// A name that does not resolve was never probed: no evidence either way.
	if len(unprobed) > 0 {
		return Warn("check the name from this network (or give the address with --connect-to), then run this again",
			"%s: %s: not probed, so not known to be closed", what, strings.Join(notes, ", "))
	}
	https := t.tlsAddr()
	if ok, how := outsideDial(ctx, t, https); !ok {
		return Warn("run this from a network that reaches "+https+" (the app's, or any outside one)",
			"%s: %s, but %s is not reachable either (%s): the host may just be unreachable from here", what, strings.Join(notes, ", "), https, how)
	}
	return Pass("%s: %s", what, strings.Join(notes, ", "))
}

func outsideListenerPort(ctx context.Context, t *Target) Result {
	port := t.Deployment.ListenerPort()
	if port == 0 {
		port = 8000
	}
	addr := net.JoinHostPort(t.Deployment.Domain, strconv.Itoa(port))
	return outsideClosed(ctx, t, "kumod's HTTP listener (admin API)",
		fmt.Sprintf("keep kumod's listener on 127.0.0.1:%d (listener answer) and load the firewall: %s", port, writer.FirewallApplyCommand(t.Layout, "mta")), addr)
}

func outsideProxyPort(ctx context.Context, t *Target) Result {
	port := t.Deployment.ProxyPort
	if port == 0 {
		port = model.DefaultProxyPort
	}
	addrs := []string{net.JoinHostPort(t.Deployment.Domain, strconv.Itoa(port))}
	if ip := t.Deployment.ProxyPublicIP; ip != "" {
		addrs = append(addrs, net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	r := outsideClosed(ctx, t, "KumoProxy's SOCKS5 port (an open relay to anyone who reaches it)",
		"KumoProxy must accept the MTA host(s) only: on the proxy host run "+writer.FirewallApplyCommand(t.Layout, "proxy")+", and listen on the private address (firewall.proxy_listen)", addrs...)
	if t.Deployment.ProxyPublicIP == "" && r.Status == StatusPass {
		r.Detail += "; KumoProxy's own public address is unknown here, so only " + t.Deployment.Domain + " was probed (give its address with --proxy IP)"
	}
	return r
}

// outsideHTTPRedirect asks port 80 for a path nothing serves and for the
// two API paths: each must redirect to the same path on https, by the edge
// check's verdict (verdictHTTPRedirect). The first answer that does not
// pass is the result.
func outsideHTTPRedirect(ctx context.Context, t *Target) Result {
	c, done := t.edgeClient()
	defer done()
	var got []string
	for _, p := range []string{"/" + outsideProbeName() + "?q=1", model.InjectionPath, model.MetricsPath} {
		asked := "GET " + t.edgeOriginURL("http") + p
		r, err := t.edgeFetchHTTP(ctx, c, p)
		if err != nil {
			return Fail(t.edgePort80Remedy(err), "%s: no answer: %v", asked, err)
		}
		if v := t.verdictHTTPRedirect(asked, p, r); v.Status != StatusPass {
			return v
		}
		got = append(got, fmt.Sprintf("%s: %d", p, r.Status))
	}
	return Pass("GET %s on port 80: redirected to the same path on https", strings.Join(got, ", "))
}

// outsideACME asks port 80 for a challenge that does not exist: the ACME
// location answers 404 where a missing one redirects (the edge check's
// verdict, verdictACMERedirected) or proxies.
func outsideACME(ctx context.Context, t *Target) Result {
	c, done := t.edgeClient()
	defer done()
	p := "/.well-known/acme-challenge/" + outsideProbeName()
	asked := "GET " + t.edgeOriginURL("http") + p + " (a challenge that does not exist)"
	r, err := t.edgeFetchHTTP(ctx, c, p)
	if err != nil {
		return Fail(t.edgePort80Remedy(err), "%s: no answer: %v", asked, err)
	}
	switch {
	case r.Status == http.StatusNotFound:
		return Pass("GET http %s: 404, served by the ACME location rather than redirected", p)
	case r.Status >= 300 && r.Status <= 399:
		return t.verdictACMERedirected(asked, r)
	}
	return Fail(t.edgeRemedyACMELocation(), "%s: %s, want 404 from the ACME location", asked, edgeDescribeStatus(r))
}
