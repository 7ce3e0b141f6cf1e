package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The edge checks talk to nginx the way the app does: HTTPS to the public
// name, dialled through Target.DialContext (so --connect-to works), the
// certificate verified against Target.RootCAs or the system roots, SNI and
// Host set to the name. No redirect is ever followed, and the bearer token
// is attached only to a request for https://<domain>.

// maxEdgeBody caps how much of a response body a check reads (the idle
// KumoMTA /metrics is about 40 kB; a busy one with per-queue series is
// larger).
const maxEdgeBody = 16 << 20

// edgeResponse is what came back for one request.
type edgeResponse struct {
	Status int
	Header http.Header
	Body   []byte
	// Unverified is set when the answer came over TLS whose certificate
	// did not verify (a request without a token, sent again).
	Unverified bool
}

// edgeRequest is one HTTPS request to the deployment's name.
type edgeRequest struct {
	Method string
	Path   string
	// Token, when set, is sent as "Authorization: Bearer <Token>". It may be
	// a deliberately wrong variant of the real token: it is a secret too.
	Token string
	// JSONBody, when set, is sent with Content-Type application/json.
	JSONBody string
}

// httpsPort is the public HTTPS port (443 unless set).
func (t *Target) edgeHTTPSPort() int {
	if t.HTTPSPort > 0 {
		return t.HTTPSPort
	}
	return 443
}

// httpPort is the public plain HTTP port (80 unless set).
func (t *Target) edgeHTTPPort() int {
	if t.HTTPPort > 0 {
		return t.HTTPPort
	}
	return 80
}

// edgeOriginURL is scheme://domain[:port] with the port left out when it is the
// scheme's default, as a browser would write it.
func (t *Target) edgeOriginURL(scheme string) string {
	port, def := t.edgeHTTPSPort(), 443
	if scheme == "http" {
		port, def = t.edgeHTTPPort(), 80
	}
	if port == def {
		return scheme + "://" + t.Deployment.Domain
	}
	return scheme + "://" + net.JoinHostPort(t.Deployment.Domain, strconv.Itoa(port))
}

// edgeHTTPSRedirectTarget reports whether u is https on the deployment's
// name and HTTPS port: no port or the public one, or the loopback port
// --connect-to maps it to (a test setup's redirect names that port).
func (t *Target) edgeHTTPSRedirectTarget(u *url.URL) bool {
	if u.Scheme != "https" || !strings.EqualFold(u.Hostname(), t.Deployment.Domain) {
		return false
	}
	public := strconv.Itoa(t.edgeHTTPSPort())
	if u.Port() == public || u.Port() == "" && public == "443" {
		return true
	}
	if to, ok := t.ConnectTo[t.tlsAddr()]; ok {
		if _, p, err := net.SplitHostPort(to); err == nil && p == u.Port() {
			return true
		}
	}
	return false
}

// tlsClientConfig is the client TLS configuration for serverName: SNI =
// serverName, verified against RootCAs (system roots when nil) at t.Now
// unless Insecure.
func (t *Target) tlsClientConfig(serverName string) *tls.Config {
	return &tls.Config{
		ServerName:         serverName,
		RootCAs:            t.RootCAs,
		InsecureSkipVerify: t.Insecure,
		Time:               t.Now,
		MinVersion:         tls.VersionTLS12,
	}
}

// httpsClient returns a client for one check talking to serverName: its
// own transport (closed by the returned func), dialling through
// t.DialContext, never following a redirect, never using an environment
// proxy.
func (t *Target) httpsClient(serverName string) (*http.Client, func()) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         t.DialContext,
		TLSClientConfig:     t.tlsClientConfig(serverName),
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 2,
	}
	c := &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, tr.CloseIdleConnections
}

// unverifiedClient is httpsClient without certificate verification, for
// requests that carry no secret when the certificate does not verify.
// edgeFetchHTTPS still refuses to attach a token through it.
func (t *Target) unverifiedClient(serverName string) (*http.Client, func()) {
	c, done := t.httpsClient(serverName)
	c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	c.Transport = unverifiedTransport{c.Transport.(*http.Transport)}
	return c, done
}

// unverifiedTransport marks a transport that does not verify certificates:
// edgeFetchHTTPS never attaches a token to a request through it.
type unverifiedTransport struct{ *http.Transport }

// edgeClient is httpsClient for the deployment's name.
func (t *Target) edgeClient() (*http.Client, func()) {
	return t.httpsClient(t.Deployment.Domain)
}

// edgeTokenAllowed reports whether a bearer token may be attached to u: only
// https to exactly the deployment's name, and only when the certificate is
// verified.
func (t *Target) edgeTokenAllowed(u *url.URL) bool {
	return u.Scheme == "https" && strings.EqualFold(u.Hostname(), t.Deployment.Domain) && !t.Insecure
}

// errTokenWithheld is returned instead of sending a token over TLS that is
// not verified.
var errTokenWithheld = errors.New("the token is not sent over unverified TLS (--insecure)")

// edgeFetchHTTPS sends r to https://<domain><path> with client c.
func (t *Target) edgeFetchHTTPS(ctx context.Context, c *http.Client, r edgeRequest) (edgeResponse, error) {
	var body io.Reader
	if r.JSONBody != "" {
		body = strings.NewReader(r.JSONBody)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, t.edgeOriginURL("https")+r.Path, body)
	if err != nil {
		return edgeResponse{}, fmt.Errorf("build %s %s: %w", r.Method, r.Path, err)
	}
	if r.JSONBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		if _, unverified := c.Transport.(unverifiedTransport); unverified || !t.edgeTokenAllowed(req.URL) {
			return edgeResponse{}, errTokenWithheld
		}
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	return doEdge(c, req)
}

// edgeFetchHTTP GETs http://<domain><path> on the plain HTTP port. It has no
// token parameter on purpose: nothing secret ever goes over port 80.
func (t *Target) edgeFetchHTTP(ctx context.Context, c *http.Client, path string) (edgeResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.edgeOriginURL("http")+path, nil)
	if err != nil {
		return edgeResponse{}, fmt.Errorf("build GET %s: %w", path, err)
	}
	return doEdge(c, req)
}

func doEdge(c *http.Client, req *http.Request) (edgeResponse, error) {
	resp, err := c.Do(req)
	if err != nil {
		return edgeResponse{}, edgeUnwrapURLError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxEdgeBody))
	if err != nil {
		return edgeResponse{}, fmt.Errorf("read the %d response to %s %s: %w", resp.StatusCode, req.Method, req.URL.Path, err)
	}
	return edgeResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// edgeUnwrapURLError drops net/http's `Get "https://...":` prefix: the check's
// detail already says what was asked.
func edgeUnwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// edgeTransportRemedy is the fix for a request that got no HTTP answer.
func (t *Target) edgeTransportRemedy(err error) string {
	var (
		certErr  *tls.CertificateVerificationError
		opErr    *net.OpError
		dnsErr   *net.DNSError
		alertErr tls.AlertError
	)
	switch {
	case errors.Is(err, errTokenWithheld):
		return "verify the certificate instead: drop --insecure and pass --ca-file FILE for a private CA"
	case errors.As(err, &certErr):
		return "serve a certificate for " + t.Deployment.Domain + " that verifies (see the tls.* checks): `certbot certonly --webroot -w " + t.Deployment.ACMEWebroot + " -d " + t.Deployment.Domain + "`, then `systemctl reload nginx`"
	case errors.As(err, &dnsErr):
		return "make " + t.Deployment.Domain + " resolve to this host (see dns.domain), or use --connect-to"
	case errors.As(err, &alertErr):
		return "nginx refused the TLS handshake for " + t.Deployment.Domain + ": check server_name and ssl_certificate in " + t.edgeSiteFile() + ", then `nginx -t && systemctl reload nginx`"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "start nginx (`systemctl start nginx`) and make sure it listens on the public ports; `nginx -t` shows config errors"
	case errors.Is(err, context.DeadlineExceeded):
		return "check that nginx answers on the public name; raise --timeout if it is just slow"
	}
	return "check that nginx answers HTTPS for " + t.Deployment.Domain + " (`curl -v " + t.edgeOriginURL("https") + "/`)"
}

// edgeDescribeStatus is "401" or `401 "BearerToken Authentication Failed"`:
// the status and, for short non-JSON-error bodies, what the body said.
func edgeDescribeStatus(r edgeResponse) string {
	s := strconv.Itoa(r.Status)
	body := strings.TrimSpace(string(r.Body))
	if body == "" || len(body) > 60 || strings.ContainsAny(body, "\n<") {
		return s
	}
	return s + " " + strconv.Quote(body)
}
