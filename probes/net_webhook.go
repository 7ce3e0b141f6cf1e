package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// checkWebhookReachable opens a verified TLS connection to the webhook
// URL's host and sends HEAD (no token, no event): any HTTP status proves
// kumod can deliver events there.
func checkWebhookReachable(ctx context.Context, t *Target) Result {
	raw := t.Deployment.WebhookURL
	if raw == "" {
		return Skip("PING8_WEBHOOK_URL is not set (see host.envfile.values)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return Fail("set PING8_WEBHOOK_URL to the app's https:// endpoint", "webhook URL %q is not an https URL with a host", raw)
	}
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String() // no query: it may hold a secret
	host := u.Hostname()
	client, done := t.httpsClient(host)
	defer done()
	// With --resolver the webhook's name is resolved there too, as the DNS
	// checks do: what this host's resolver says may be stale or split.
	via := ""
	if t.Resolver != "" {
		asker := t.newDNSAsker()
		client.Transport.(*http.Transport).DialContext = t.dialResolving(asker)
		via = " " + asker.via()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return Fail("set PING8_WEBHOOK_URL to the app's https:// endpoint", "webhook URL %s: %v", shown, err)
	}
	req.Header.Set("User-Agent", "kumoup-status")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if why := webhookCertProblem(err); why != "" {
			return Fail(fmt.Sprintf("give %s a certificate from a public CA that covers the name (or pass --ca-file for a private CA): kumod verifies it when posting events", host),
				"HEAD %s: TLS certificate does not verify: %s", shown, why)
		}
		return Fail(fmt.Sprintf("make %s reachable from this host on port %s (DNS, firewall, the app running)", host, webhookPort(u, "443")),
			"HEAD %s%s: %v", shown, via, webhookErrReason(err))
	}
	resp.Body.Close()
	took := time.Since(start).Round(time.Millisecond)
	tlsNote := "certificate verified"
	if resp.TLS != nil {
		tlsNote = fmt.Sprintf("certificate for %s verified, %s", host, tls.VersionName(resp.TLS.Version))
	}
	if t.Insecure {
		return Warn("drop --insecure: it is for test setups only",
			"HEAD %s: %s in %s, but the certificate was NOT verified (--insecure)", shown, resp.Status, took)
	}
	return Pass("HEAD %s: %s in %s; %s%s", shown, resp.Status, took, tlsNote, via)
}

// webhookCertProblem returns why a certificate did not verify, or "".
func webhookCertProblem(err error) string {
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &verr):
		return verr.Err.Error()
	case errors.As(err, &uerr):
		return uerr.Error()
	case errors.As(err, &herr):
		return herr.Error()
	case errors.As(err, &cerr):
		return cerr.Error()
	}
	return ""
}

// webhookErrReason is why HEAD got no answer, without net/http's
// `Head "URL":` prefix.
func webhookErrReason(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer before the timeout")
	}
	return edgeUnwrapURLError(err)
}

func webhookPort(u *url.URL, def string) string {
	if p := u.Port(); p != "" {
		return p
	}
	return def
}

// dialResolving dials addr as DialContext does (ConnectTo first), but
// resolves a host name through asker (--resolver): net.Dialer's own
// resolution, which tries each address in turn.
func (t *Target) dialResolving(asker *dnsAsker) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Resolver: asker.Resolver}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if _, ok := t.ConnectTo[addr]; ok {
			return t.DialContext(ctx, network, addr)
		}
		return d.DialContext(ctx, network, addr)
	}
}
