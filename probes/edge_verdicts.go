package probes

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// The verdicts the edge checks (run on the MTA host, or wherever status
// runs) and the outside checks (kumoup status --from-outside) share: one
// function per verdict, so the same misconfiguration gets the same
// judgement and the same fix from both. Each takes what was asked, in the
// caller's words, and what nginx answered; how to ask (which paths, with
// which client, what a missing answer means) stays with each check.

// verdictRefusedWithoutToken judges the answer to a request for path sent
// without a token: nginx must answer 401 itself.
func (t *Target) verdictRefusedWithoutToken(path, asked string, resp edgeResponse) Result {
	switch {
	case resp.Status == http.StatusUnauthorized:
		return Pass("%s: 401", asked)
	case resp.Status == http.StatusNotFound:
		return Fail(t.edgeRemedyLocationMissing(path), "%s: 404 (expected 401): nginx has no location for %s", asked, path)
	case resp.Status == http.StatusBadGateway || resp.Status == http.StatusGatewayTimeout:
		return Fail(t.edgeRemedyAuthMissing(path), "%s: %d (expected 401): nginx passed it on to kumod without checking the token (and kumod is not answering)", asked, resp.Status)
	default:
		return Fail(t.edgeRemedyAuthMissing(path), "%s: %s (expected 401): the request got past nginx without a token", asked, edgeDescribeStatus(resp))
	}
}

// edgeRemedyOnlyTwoLocations is the fix for a path other than the
// injection and metrics paths that nginx does not answer 404.
func (t *Target) edgeRemedyOnlyTwoLocations() string {
	return fmt.Sprintf("in %s only `location = %s` and `location = %s` may proxy to kumod; remove every other proxy_pass and keep `location / { return 404; }`; then `nginx -t && systemctl reload nginx`",
		t.edgeSiteFile(), model.InjectionPath, model.MetricsPath)
}

// verdictOnly404 judges the answers to paths nginx must not serve (resps
// in the order of paths), asked how ("with the token", "without a
// token"): every one must be 404.
func (t *Target) verdictOnly404(how string, paths []string, resps []edgeResponse) Result {
	var open []string
	for i, resp := range resps {
		if resp.Status != http.StatusNotFound {
			open = append(open, fmt.Sprintf("%s: %d", paths[i], resp.Status))
		}
	}
	if len(open) > 0 {
		return Fail(t.edgeRemedyOnlyTwoLocations(),
			"not 404, asked %s: %s (only %s and %s may answer)", how, strings.Join(open, ", "), model.InjectionPath, model.MetricsPath)
	}
	return Pass("404 for all %d paths, asked %s: %s%s", len(paths), how, strings.Join(paths, " "), edgeUnverifiedNote(resps...))
}

// edgeRemedyRedirect is the fix for port 80 answering path without the
// redirect to the same path on https.
func (t *Target) edgeRemedyRedirect() string {
	return fmt.Sprintf("in the port 80 server of %s: `location / { return 301 https://$host$request_uri; }`; then `nginx -t && systemctl reload nginx`", t.edgeSiteFile())
}

// verdictHTTPRedirect judges port 80's answer to path (a request URI):
// a permanent redirect to the same path and query on the public https
// origin.
func (t *Target) verdictHTTPRedirect(asked, path string, resp edgeResponse) Result {
	remedy := t.edgeRemedyRedirect()
	loc := resp.Header.Get("Location")
	if resp.Status < 300 || resp.Status > 399 || loc == "" {
		return Fail(remedy, "%s: %s, no redirect (expected 301 to https://%s)", asked, edgeDescribeStatus(resp), t.Deployment.Domain)
	}
	u, err := url.Parse(loc)
	if err != nil || !t.edgeHTTPSRedirectTarget(u) {
		return Fail(remedy, "%s: %d to %q (expected %s/...)", asked, resp.Status, loc, t.edgeOriginURL("https"))
	}
	if resp.Status != http.StatusMovedPermanently && resp.Status != http.StatusPermanentRedirect {
		return Warn(strings.Replace(remedy, "return 301", "return 301 (permanent)", 1),
			"%s: %d to %s: a temporary redirect (expected 301 or 308)", asked, resp.Status, loc)
	}
	if u.RequestURI() != path {
		return Warn(remedy, "%s: %d to %s: the path and query are dropped", asked, resp.Status, loc)
	}
	return Pass("%s: %d to %s", asked, resp.Status, loc)
}

// edgeRemedyACMELocation is the fix for ACME challenges not served from
// the webroot on port 80.
func (t *Target) edgeRemedyACMELocation() string {
	return fmt.Sprintf("in the port 80 server of %s, before `location /`: `location ^~ /.well-known/acme-challenge/ { root %s; }`; then `nginx -t && systemctl reload nginx`", t.edgeSiteFile(), t.Deployment.ACMEWebroot)
}

// verdictACMERedirected judges a challenge that port 80 redirected: it
// must be served from the webroot, or certificate renewals fail.
func (t *Target) verdictACMERedirected(asked string, resp edgeResponse) Result {
	return Fail(t.edgeRemedyACMELocation(), "%s: %d to %s: challenges are redirected, not served", asked, resp.Status, resp.Header.Get("Location"))
}
