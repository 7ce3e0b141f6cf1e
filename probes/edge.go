package probes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// edgeChecks are the edge family, in catalogue order: what the public name
// answers over HTTPS (and HTTP on port 80), as the app and the internet see
// it through nginx.
var edgeChecks = []Check{
	{ID: "edge.inject.unauthenticated", Title: "Injection without a token is refused", Run: checkInjectUnauthenticated},
	{ID: "edge.metrics.unauthenticated", Title: "Metrics without a token are refused", Run: checkMetricsUnauthenticated},
	// It asks the injection path: a wrong token there is refused only if a
	// right one is needed at all.
	{ID: "edge.token.exact", Title: "Only the exact token is accepted", Run: checkTokenExact,
		Needs: append([]string{"edge.inject.unauthenticated"}, tlsVerifiedNeeds...)},
	{ID: "edge.metrics.authenticated", Title: "Metrics with the token are served", Run: checkMetricsAuthenticated, Needs: tlsVerifiedNeeds},
	{ID: "edge.inject.authenticated", Title: "Injection with the token reaches kumod", Run: checkInjectAuthenticated, Needs: tlsVerifiedNeeds},
	{ID: "edge.unknown.paths", Title: "Nothing else is reachable (admin API included)", Run: checkUnknownPaths},
	{ID: "edge.host.unknown", Title: "Another Host header gets no content", Run: checkEdgeWrongHost},
	{ID: "edge.http.redirect", Title: "Plain HTTP redirects to HTTPS", Run: checkHTTPRedirect},
	{ID: "edge.acme.webroot", Title: "ACME challenges are served on port 80", Run: checkACMEWebroot},
	{ID: "edge.hsts", Title: "HSTS is sent on every answer", Run: checkHSTS},
	{ID: "edge.body.limit", Title: "nginx enforces max_body (client_max_body_size)", Run: checkBodyLimit},
}

// kumodBearerRefusal is what kumod answers (401) to an Authorization header
// it has no handler for: nginx forwarded the app's token.
const kumodBearerRefusal = "BearerToken Authentication Failed"

// edgeFetch sends r through c. When no HTTP answer came back it returns the
// Result to report instead: a fail naming the error, a skip when the token
// was withheld because TLS is not verified, or a skip blocked by the tls
// check that judges a certificate that does not verify. A request without
// a token whose certificate does not verify is sent again over unverified
// TLS (the answer says so): what nginx answers is still worth knowing.
func edgeFetch(ctx context.Context, t *Target, c *http.Client, r edgeRequest, asked string) (edgeResponse, *Result) {
	resp, err := t.edgeFetchHTTPS(ctx, c, r)
	if err != nil && r.Token == "" && tlsVerificationError(err) {
		uc, done := t.unverifiedClient(t.Deployment.Domain)
		defer done()
		resp, err = t.edgeFetchHTTPS(ctx, uc, r)
		resp.Unverified = true
	}
	if err == nil {
		return resp, nil
	}
	var res Result
	switch {
	case errors.Is(err, errTokenWithheld):
		res = Skip("%s: skipped, %v; pass --ca-file FILE to trust a private CA instead", asked, err)
	case tlsVerificationError(err):
		res = blockedByTLS(err)
	default:
		res = Fail(t.edgeTransportRemedy(err), "%s: no answer: %v", asked, err)
	}
	return edgeResponse{}, &res
}

// edgeUnverifiedNote is what a detail adds when an answer came over TLS
// that did not verify.
func edgeUnverifiedNote(resps ...edgeResponse) string {
	for _, r := range resps {
		if r.Unverified {
			return " (over unverified TLS, no token sent: the certificate does not verify, see the tls checks)"
		}
	}
	return ""
}

// edgeTokenUsable reports whether the token may be sent: one is known, TLS
// verification is on and the certificate verifies. Otherwise it says why
// not, for a check that then asks without it.
func (t *Target) edgeTokenUsable(ctx context.Context) (bool, string) {
	switch {
	case t.Deployment.InjectionToken == "":
		return false, "no token known"
	case t.Insecure:
		return false, "the token is not sent with --insecure"
	}
	// The verifying handshake is done once per sweep: edge.hsts and
	// edge.upstream both ask.
	why, _ := sweepShared(ctx, t, "tls.verified", func(ctx context.Context) (string, error) {
		_, done, err := t.tlsDial(ctx, t.tlsClientConfig(t.Deployment.Domain))
		switch {
		case err == nil:
			done()
		case tlsVerificationError(err):
			return "the token is not sent: the certificate does not verify, see " + tlsCheckFor(err), nil
		}
		return "", nil // any other error: the check's own request reports it
	})
	return why == "", why
}

// edgeFetchAll sends the requests concurrently (over HTTP/2 they share a
// connection; over a slow network the check then takes one round trip,
// not one per request) and returns the answers in order, or the Result of
// the first request, in order, that got no answer.
func edgeFetchAll(ctx context.Context, t *Target, c *http.Client, reqs []edgeRequest, asked []string) ([]edgeResponse, *Result) {
	resps := make([]edgeResponse, len(reqs))
	bads := make([]*Result, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() { resps[i], bads[i] = edgeFetch(ctx, t, c, reqs[i], asked[i]) })
	}
	wg.Wait()
	for _, bad := range bads {
		if bad != nil {
			return nil, bad
		}
	}
	return resps, nil
}

// The concrete fixes, with the file and line to change.

func (t *Target) edgeSiteFile() string { return t.Layout.SiteFile(t.Deployment.Domain) }

// readSiteFile reads the nginx site file (bounded, a regular file only),
// once per sweep: the body limit, ACME webroot and token file checks all
// read it. The bytes are shared: read them, never change them.
func (t *Target) readSiteFile(ctx context.Context) ([]byte, error) {
	site := t.edgeSiteFile()
	return sweepShared(ctx, t, "read "+site, func(ctx context.Context) ([]byte, error) {
		return fsread.Read(ctx, site, fsread.ConfigLimit)
	})
}

// edgeAuthVar is the nginx variable kumoup's site file sets from the token map.
func (t *Target) edgeAuthVar() string {
	return "$kumoup_auth_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToLower(t.Deployment.Domain))
}

func (t *Target) edgeRemedyAuthMissing(path string) string {
	return fmt.Sprintf("in %s, `location = %s` must start with the bearer check `if (%s = 0) { return 401; }` before proxy_pass (`%s` restores the generated file); then `nginx -t && systemctl reload nginx`",
		t.edgeSiteFile(), path, t.edgeAuthVar(), writer.ApplyCommand(t.Layout))
}

func (t *Target) edgeRemedyLocationMissing(path string) string {
	return fmt.Sprintf("add `location = %s` (bearer check, then `proxy_pass http://%s%s;`) to the 443 server in %s, or restore the file with `%s`; then `nginx -t && systemctl reload nginx`",
		path, t.edgeUpstream(), path, t.edgeSiteFile(), writer.ApplyCommand(t.Layout))
}

func (t *Target) edgeRemedyAuthorizationForwarded() string {
	return fmt.Sprintf("add `proxy_set_header Authorization \"\";` to the 443 server in %s so the token stops at nginx; then `nginx -t && systemctl reload nginx`", t.edgeSiteFile())
}

func (t *Target) edgeRemedyTokenMismatch() string {
	return fmt.Sprintf("the token kumoup read is not the one nginx accepts: check %s (or --token-file), restore it with `%s`, then `systemctl reload nginx`", t.Layout.TokenFile(t.Deployment.Domain), writer.ApplyCommand(t.Layout))
}

func (t *Target) edgeRemedyKumodDown() string {
	return fmt.Sprintf("start KumoMTA: `systemctl start kumomta`; `journalctl -u kumomta -n 50` shows why it stopped; its HTTP listener must be on %s", t.edgeUpstream())
}

func (t *Target) edgeUpstream() string {
	if t.Deployment.Listener != "" {
		return t.Deployment.Listener
	}
	return model.DefaultListener
}

// kumodRefusedBearer reports whether kumod itself (not nginx) refused the
// request for its Authorization header.
func kumodRefusedBearer(r edgeResponse) bool {
	return r.Status == http.StatusUnauthorized && strings.Contains(strings.ToLower(string(r.Body)), strings.ToLower(kumodBearerRefusal))
}

func checkInjectUnauthenticated(ctx context.Context, t *Target) Result {
	return checkRefusedWithoutToken(ctx, t, http.MethodPost, model.InjectionPath, "{}")
}

func checkMetricsUnauthenticated(ctx context.Context, t *Target) Result {
	return checkRefusedWithoutToken(ctx, t, http.MethodGet, model.MetricsPath, "")
}

// checkRefusedWithoutToken asks path without a token and wants nginx's 401.
func checkRefusedWithoutToken(ctx context.Context, t *Target, method, path, body string) Result {
	c, done := t.edgeClient()
	defer done()
	asked := method + " " + path + " without a token"
	resp, bad := edgeFetch(ctx, t, c, edgeRequest{Method: method, Path: path, JSONBody: body}, asked)
	if bad != nil {
		return *bad
	}
	return t.verdictRefusedWithoutToken(path, asked+edgeUnverifiedNote(resp), resp)
}

// edgeSwapCase returns s with the case of every ASCII letter inverted.
func edgeSwapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// edgeSkipNoToken is the Result of a check that needs the injection token
// when none is known.
func (t *Target) edgeSkipNoToken() Result {
	return Skip("no injection token known: kumoup reads it from %s, or pass --token-file", t.Layout.TokenFile(t.Deployment.Domain))
}

func checkTokenExact(ctx context.Context, t *Target) Result {
	tok := t.Deployment.InjectionToken
	if tok == "" {
		return t.edgeSkipNoToken()
	}
	type variant struct{ name, token string }
	var variants []variant
	if s := edgeSwapCase(tok); s != tok {
		variants = append(variants, variant{"case changed", s})
	}
	variants = append(variants, variant{"truncated", tok[:len(tok)-1]})

	c, done := t.edgeClient()
	defer done()
	reqs := make([]edgeRequest, len(variants))
	asked := make([]string, len(variants))
	for i, v := range variants {
		reqs[i] = edgeRequest{Method: http.MethodPost, Path: model.InjectionPath, Token: v.token, JSONBody: "{}"}
		asked[i] = "POST " + model.InjectionPath + " with the token " + v.name
	}
	resps, bad := edgeFetchAll(ctx, t, c, reqs, asked)
	if bad != nil {
		return *bad
	}
	var seen, accepted []string
	remedy := ""
	for i, v := range variants {
		resp := resps[i]
		seen = append(seen, fmt.Sprintf("%s: %d", v.name, resp.Status))
		if resp.Status == http.StatusUnauthorized {
			continue
		}
		accepted = append(accepted, fmt.Sprintf("%s: %d", v.name, resp.Status))
		switch {
		case resp.Status == http.StatusNotFound:
			remedy = t.edgeRemedyLocationMissing(model.InjectionPath)
		case v.name == "case changed" && remedy == "":
			remedy = fmt.Sprintf("nginx compares plain map keys case-insensitively: in %s the key must be the case-sensitive regex `\"~^Bearer \\Q<token>\\E$\" 1;` (`%s` restores it); then `systemctl reload nginx`", t.Layout.TokenFile(t.Deployment.Domain), writer.ApplyCommand(t.Layout))
		case remedy == "":
			remedy = fmt.Sprintf("the token key in %s must match the whole header, anchored at both ends: `\"~^Bearer \\Q<token>\\E$\" 1;` (`%s` restores it); then `systemctl reload nginx`", t.Layout.TokenFile(t.Deployment.Domain), writer.ApplyCommand(t.Layout))
		}
	}
	if len(accepted) > 0 {
		return Fail(remedy, "POST %s with a wrong token, %s (expected 401 for each)", model.InjectionPath, strings.Join(seen, ", "))
	}
	return Pass("POST %s with a wrong token, %s", model.InjectionPath, strings.Join(seen, ", "))
}
