package probes

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// MinHSTSMaxAge is the smallest Strict-Transport-Security max-age the
// deployment guides accept (one year; kumoup sends two).
const MinHSTSMaxAge = 31536000

func checkHSTS(ctx context.Context, t *Target) Result {
	c, done := t.edgeClient()
	defer done()
	remedy := fmt.Sprintf("in the 443 server of %s: `add_header Strict-Transport-Security \"max-age=63072000\" always;`, repeated in every location that has its own add_header (nginx drops the server's there); then `nginx -t && systemctl reload nginx`", t.edgeSiteFile())

	asks := []struct {
		name string
		req  edgeRequest
	}{
		{"without the token", edgeRequest{Method: http.MethodGet, Path: model.MetricsPath}},
	}
	unchecked := ""
	if ok, why := t.edgeTokenUsable(ctx); !ok {
		unchecked = " (the 200 answer was not checked: " + why + ")"
	} else {
		asks = append(asks, struct {
			name string
			req  edgeRequest
		}{"with the token", edgeRequest{Method: http.MethodGet, Path: model.MetricsPath, Token: t.Deployment.InjectionToken}})
	}

	reqs := make([]edgeRequest, len(asks))
	asked := make([]string, len(asks))
	for i, a := range asks {
		reqs[i], asked[i] = a.req, "GET /metrics "+a.name
	}
	resps, bad := edgeFetchAll(ctx, t, c, reqs, asked)
	if bad != nil {
		return *bad
	}
	var seen []string
	failed := false
	for i, resp := range resps {
		age, verdict := hstsVerdict(resp.Header.Values("Strict-Transport-Security"))
		if verdict != "" {
			failed = true
			seen = append(seen, fmt.Sprintf("%s: %d, %s", asks[i].name, resp.Status, verdict))
			continue
		}
		seen = append(seen, fmt.Sprintf("%s: %d, max-age=%d", asks[i].name, resp.Status, age))
	}
	detail := "Strict-Transport-Security on GET /metrics " + strings.Join(seen, "; ") + edgeUnverifiedNote(resps...)
	if failed {
		return Fail(remedy, "%s (want max-age >= %d on every answer)%s", detail, MinHSTSMaxAge, unchecked)
	}
	return Pass("%s%s", detail, unchecked)
}

// hstsVerdict reads the first Strict-Transport-Security header (RFC 6797
// says later ones are ignored). It returns the max-age, or a short reason
// why the header does not do ("no header", "max-age=300 is too short").
func hstsVerdict(values []string) (int64, string) {
	if len(values) == 0 {
		return 0, "no header"
	}
	for _, d := range strings.Split(values[0], ";") {
		name, val, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "max-age") {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		age, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return 0, fmt.Sprintf("max-age=%q does not parse", val)
		}
		if age < MinHSTSMaxAge {
			return age, fmt.Sprintf("max-age=%d is too short", age)
		}
		return age, ""
	}
	return 0, fmt.Sprintf("%q has no max-age", values[0])
}
