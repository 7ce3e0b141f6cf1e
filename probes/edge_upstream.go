package probes

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/kumoup/kumoup/model"
	"github.com/prometheus/common/expfmt"
	prommodel "github.com/prometheus/common/model"
)

// The edge checks that go all the way to kumod with the real token, and the
// one that makes sure nothing else does.

func checkMetricsAuthenticated(ctx context.Context, t *Target) Result {
	if t.Deployment.InjectionToken == "" {
		return t.edgeSkipNoToken()
	}
	c, done := t.edgeClient()
	defer done()
	const asked = "GET /metrics with the token"
	resp, bad := edgeFetch(ctx, t, c, edgeRequest{Method: http.MethodGet, Path: model.MetricsPath, Token: t.Deployment.InjectionToken}, asked)
	if bad != nil {
		return *bad
	}
	switch {
	case resp.Status == http.StatusOK:
		p := expfmt.NewTextParser(prommodel.UTF8Validation)
		families, err := p.TextToMetricFamilies(bytes.NewReader(resp.Body))
		fix := fmt.Sprintf("`location = /metrics` in %s must `proxy_pass http://%s/metrics;` (kumod's Prometheus endpoint)", t.edgeSiteFile(), t.edgeUpstream())
		if err != nil {
			return Fail(fix, "%s: 200 but not Prometheus text: %v", asked, err)
		}
		if len(families) == 0 {
			return Fail(fix, "%s: 200 with no metrics in it (%d bytes)", asked, len(resp.Body))
		}
		return Pass("%s: 200, %d metric families", asked, len(families))
	case kumodRefusedBearer(resp):
		return Fail(t.edgeRemedyAuthorizationForwarded(),
			"%s: 401 %q from kumod itself: nginx forwards the Authorization header", asked, kumodBearerRefusal)
	case resp.Status == http.StatusUnauthorized:
		return Fail(t.edgeRemedyTokenMismatch(), "%s: 401 from nginx: the token was refused", asked)
	case resp.Status == http.StatusNotFound:
		return Fail(t.edgeRemedyLocationMissing(model.MetricsPath), "%s: 404: nginx has no location for /metrics", asked)
	case resp.Status == http.StatusBadGateway || resp.Status == http.StatusGatewayTimeout:
		return Fail(t.edgeRemedyKumodDown(), "%s: %d from nginx: kumod is not running or not listening on %s", asked, resp.Status, t.edgeUpstream())
	default:
		return Fail(t.edgeRemedyKumodDown(), "%s: %s (expected 200)", asked, edgeDescribeStatus(resp))
	}
}

func checkInjectAuthenticated(ctx context.Context, t *Target) Result {
	if t.Deployment.InjectionToken == "" {
		return t.edgeSkipNoToken()
	}
	c, done := t.edgeClient()
	defer done()
	// An empty object passes nginx, reaches kumod and is refused as
	// invalid: auth and proxying proven, no mail sent.
	const asked = "POST /api/inject/v1 {} with the token"
	resp, bad := edgeFetch(ctx, t, c, edgeRequest{Method: http.MethodPost, Path: model.InjectionPath, Token: t.Deployment.InjectionToken, JSONBody: "{}"}, asked)
	if bad != nil {
		return *bad
	}
	switch {
	case resp.Status == http.StatusBadRequest || resp.Status == http.StatusUnprocessableEntity:
		return Pass("%s: %d from kumod (refused as invalid, as it should be: nothing sent)", asked, resp.Status)
	case kumodRefusedBearer(resp):
		return Fail(t.edgeRemedyAuthorizationForwarded(),
			"%s: 401 %q from kumod itself: nginx forwards the Authorization header", asked, kumodBearerRefusal)
	case resp.Status == http.StatusUnauthorized:
		return Fail(t.edgeRemedyTokenMismatch(), "%s: 401 from nginx: the token was refused", asked)
	case resp.Status == http.StatusNotFound:
		return Fail(t.edgeRemedyLocationMissing(model.InjectionPath), "%s: 404: nginx has no location for %s", asked, model.InjectionPath)
	case resp.Status == http.StatusBadGateway || resp.Status == http.StatusGatewayTimeout:
		return Fail(t.edgeRemedyKumodDown(), "%s: %d from nginx: kumod is not running or not listening on %s", asked, resp.Status, t.edgeUpstream())
	case resp.Status == http.StatusServiceUnavailable:
		return Fail("`journalctl -u kumomta -n 50` says why kumod is not ready (shutting down, load shedding, disk full or spool not ready)",
			"%s: 503: kumod is up but not accepting injections", asked)
	default:
		return Fail(fmt.Sprintf("`location = %s` in %s must `proxy_pass http://%s%s;`", model.InjectionPath, t.edgeSiteFile(), t.edgeUpstream(), model.InjectionPath),
			"%s: %s (expected 400 or 422 from kumod)", asked, edgeDescribeStatus(resp))
	}
}

// unknownPaths must all be 404 through nginx: kumod's admin API, its other
// endpoints, and near misses of the two exposed paths.
var unknownPaths = []string{"/", "/api/admin/bounce/v1", "/metrics.json", "/api/machine-info", "/rapidoc", "/api/inject/v1/x"}

func checkUnknownPaths(ctx context.Context, t *Target) Result {
	c, done := t.edgeClient()
	defer done()
	// With the token, so an admin path proxied behind the bearer check is
	// caught too. Without verified TLS the token stays home.
	tok, how := t.Deployment.InjectionToken, "with the token"
	if ok, why := t.edgeTokenUsable(ctx); !ok {
		tok, how = "", "without the token ("+why+")"
	}
	reqs := make([]edgeRequest, len(unknownPaths))
	asked := make([]string, len(unknownPaths))
	for i, p := range unknownPaths {
		reqs[i] = edgeRequest{Method: http.MethodGet, Path: p, Token: tok}
		asked[i] = "GET " + p + " " + how
	}
	resps, bad := edgeFetchAll(ctx, t, c, reqs, asked)
	if bad != nil {
		return *bad
	}
	return t.verdictOnly404(how, unknownPaths, resps)
}
