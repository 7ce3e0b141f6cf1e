package probes

import (
	"context"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// TestEdgeAndOutsideGiveTheSameRemedy: the same misconfiguration of a real
// nginx, judged by an edge check and by its outside counterpart (kumoup
// status --from-outside), fails both with the same remedy.
func TestEdgeAndOutsideGiveTheSameRemedy(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mutate        loopback.Mutation
		edge, outside string
	}{
		{"metrics without the bearer check", loopback.BreakMetricsPublic, "edge.metrics.unauthenticated", "outside.metrics.unauthenticated"},
		{"injection without the bearer check", loopback.BreakNoAuth, "edge.inject.unauthenticated", "outside.inject.unauthenticated"},
		{"admin API proxied", loopback.BreakAdminProxied, "edge.unknown.paths", "outside.admin.api"},
		{"port 80 answers instead of redirecting", edgeSiteEdit(`return 301 [^;]*;`, `return 200 'plain http\n';`), "edge.http.redirect", "outside.http.redirect"},
		{"port 80 redirects to another port", edgeSiteEdit(`return 301 https://[^;]*;`, `return 301 https://$$host:8443$$request_uri;`), "edge.http.redirect", "outside.http.redirect"},
		{"ACME challenges redirected", edgeSiteEdit(`(?s)location \^~ /\.well-known/acme-challenge/ \{.*?\n    \}\n`, ""), "edge.acme.webroot", "outside.http.acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := edgeTarget(edgeSite(t, loopback.Config{Mutate: tc.mutate}))
			edge := edgeRun(t, target, tc.edge)[tc.edge]
			checks, err := Select(OutsideCatalogue(), []string{tc.outside}, nil)
			if err != nil {
				t.Fatal(err)
			}
			results := runUnmasked(context.Background(), target, checks)
			edgeNoToken(t, results, target.Deployment.InjectionToken)
			outside := results[0]
			if edge.Status != StatusFail || outside.Status != StatusFail {
				t.Fatalf("%s: %s (%s); %s: %s (%s); want both to fail", tc.edge, edge.Status, edge.Detail, tc.outside, outside.Status, outside.Detail)
			}
			if edge.Remedy != outside.Remedy {
				t.Errorf("different remedies for the same mistake:\n%s: %s\n%s: %s", tc.edge, edge.Remedy, tc.outside, outside.Remedy)
			}
		})
	}
}
