package probes

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
)

// TestEdgeAndTLSOneFaultOneFailure runs the edge and tls families (and
// kumod's live body limit) against real nginx with one fault at a time: exactly one check fails (the one
// about that fault), the checks it blocks report skip with blocked_by
// naming it, and every other check passes.
func TestEdgeAndTLSOneFaultOneFailure(t *testing.T) {
	tokenChecks := []string{"edge.token.exact", "edge.metrics.authenticated", "edge.inject.authenticated"}
	cases := []struct {
		name    string
		cfg     loopback.Config
		failing string
		blocked []string
	}{
		{"certificate for another name", loopback.Config{Certificate: loopback.CertWrongName}, "tls.certificate.name", tokenChecks},
		{"self-signed certificate", loopback.Config{Certificate: loopback.CertSelfSigned}, "tls.certificate.chain", tokenChecks},
		{"expired certificate", loopback.Config{Certificate: loopback.CertExpired}, "tls.certificate.expiry", tokenChecks},
		{"metrics public", loopback.Config{Mutate: loopback.BreakMetricsPublic}, "edge.metrics.unauthenticated", nil},
		{"injection public", loopback.Config{Mutate: edgeLocationAuthRemoved("/api/inject/v1")}, "edge.inject.unauthenticated", []string{"edge.token.exact"}},
		// Each body limit that is not max_body fails its own check.
		{"kumod left at its 2 MiB default", loopback.Config{Kumod: standin.Config{BodyLimit: standin.DefaultBodyLimit}}, "host.kumod.body.limit", nil},
		{"nginx's limit larger", loopback.Config{Mutate: loopback.BreakClientMaxBodySize("100m")}, "edge.body.limit", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := edgeSite(t, tc.cfg)
			got := edgeRun(t, edgeTarget(site), "edge", "tls", "host.kumod.body.limit")
			var failed []string
			for id, r := range got {
				switch {
				case r.Status == StatusFail:
					failed = append(failed, id)
				case slices.Contains(tc.blocked, id):
					if r.Status != StatusSkip || r.BlockedBy != tc.failing || !strings.HasPrefix(r.Detail, "not run: ") {
						t.Errorf("%s: %s blocked_by %q %q, want skip blocked_by %s, \"not run: ...\"", id, r.Status, r.BlockedBy, r.Detail, tc.failing)
					}
				case r.Status != StatusPass:
					t.Errorf("%s: %s: %s, want pass", id, r.Status, r.Detail)
				}
			}
			sort.Strings(failed)
			if len(failed) != 1 || failed[0] != tc.failing {
				t.Errorf("failed: %v, want only %s", failed, tc.failing)
			}
			// Nothing reached kumod with the token (it would have been
			// sent over a certificate that does not verify).
			if len(tc.blocked) == len(tokenChecks) {
				// (host.kumod.body.limit asks kumod directly, without a
				// token: only what came through nginx counts.)
				for _, r := range site.Kumod.Requests() {
					if r.Header.Get("X-Real-IP") == "" {
						continue
					}
					if r.Path == "/metrics" || r.Path == "/api/inject/v1" {
						t.Errorf("kumod received %s %s although TLS does not verify", r.Method, r.Path)
					}
				}
			}
		})
	}
}

// edgeLocationAuthRemoved drops the bearer check of one exposed location.
func edgeLocationAuthRemoved(path string) loopback.Mutation {
	return edgeSiteEdit(`(location = `+strings.ReplaceAll(path, "/", `\/`)+` \{(?s:.*?))\n        if \(\$kumoup_auth_\w+ = 0\) \{(?s:.*?)\n        \}`, "$1")
}

// TestRunBlocksDependentsOfAFailedCheck: a check whose precondition failed
// is not run; one whose precondition was itself blocked names the root
// cause; a precondition that passed or warned does not block.
func TestRunBlocksDependentsOfAFailedCheck(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]bool{}
	run := func(id string, r Result) Check {
		return Check{ID: id, Title: id, Run: func(context.Context, *Target) Result {
			mu.Lock()
			defer mu.Unlock()
			ran[id] = true
			return r
		}}
	}
	checks := []Check{
		run("a.root", Fail("fix a", "broken")),
		run("a.warn", Warn("w", "meh")),
		run("b.child", Pass("ok")), run("c.grandchild", Pass("ok")), run("d.fine", Pass("ok")),
	}
	checks[2].Needs = []string{"a.root", "a.warn"}
	checks[3].Needs = []string{"b.child"}
	checks[4].Needs = []string{"a.warn", "not.selected"}
	checks = []Check{checks[3], checks[2], checks[0], checks[4], checks[1]}
	got := map[string]Result{}
	for _, r := range Run(context.Background(), &Target{Timeout: time.Second}, checks) {
		got[r.ID] = r
	}
	for _, id := range []string{"b.child", "c.grandchild"} {
		if r := got[id]; r.Status != StatusSkip || r.BlockedBy != "a.root" || r.Detail != "not run: a.root failed" || ran[id] {
			t.Errorf("%s: %+v (ran %v), want skip blocked_by a.root, not run", id, r, ran[id])
		}
	}
	if r := got["d.fine"]; r.Status != StatusPass || r.BlockedBy != "" {
		t.Errorf("d.fine: %+v, want pass (a warning and an unselected check do not block)", r)
	}
}

// TestCatalogueNeedsAreKnownAndAcyclic: every precondition names a check in
// the catalogue, and none depends on itself through others (Run would wait
// for ever).
func TestCatalogueNeedsAreKnownAndAcyclic(t *testing.T) {
	cat := Catalogue()
	byID := map[string]Check{}
	for _, c := range cat {
		byID[c.ID] = c
	}
	var visit func(id string, path []string)
	visit = func(id string, path []string) {
		if slices.Contains(path, id) {
			t.Fatalf("precondition cycle: %s", strings.Join(append(path, id), " -> "))
		}
		for _, n := range byID[id].Needs {
			if _, ok := byID[n]; !ok {
				t.Errorf("%s needs %s, which is not in the catalogue", id, n)
				continue
			}
			visit(n, append(path, id))
		}
	}
	for _, c := range cat {
		visit(c.ID, nil)
	}
}
