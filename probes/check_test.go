package probes

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/model"
)

func selectIDs(t *testing.T, only, ignore []string) []string {
	t.Helper()
	checks, err := Select(Catalogue(), only, ignore)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range checks {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestSelectByFamilyIDAndIgnore(t *testing.T) {
	net := selectIDs(t, []string{"network"}, nil)
	if strings.Join(net, ",") != "proxy.socks5,webhook.reachable" {
		t.Fatalf("network family = %v", net)
	}
	tls := selectIDs(t, []string{"tls.*"}, []string{"tls.protocols"})
	for _, id := range tls {
		if !strings.HasPrefix(id, "tls.") || id == "tls.protocols" {
			t.Fatalf("tls selection = %v", tls)
		}
	}
	if len(tls) == 0 {
		t.Fatal("tls family empty")
	}
	if _, err := Select(Catalogue(), []string{"edge.nope"}, nil); err == nil || !strings.Contains(err.Error(), "edge.nope") {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestCatalogueIDsAreUniqueAndTitled(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range append(Catalogue(), OutsideCatalogue()...) {
		if c.ID == "" || c.Title == "" || c.Run == nil {
			t.Errorf("incomplete check %+v", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("duplicate id %s", c.ID)
		}
		seen[c.ID] = true
	}
}

func TestRunKeepsOrderAndBoundsSlowChecks(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	checks := []Check{
		{ID: "a.slow", Title: "slow", Run: func(ctx context.Context, _ *Target) Result { <-block; return Pass("late") }},
		{ID: "b.fast", Title: "fast", Run: func(context.Context, *Target) Result { return Pass("ok") }},
		{ID: "c.panic", Title: "panics", Run: func(context.Context, *Target) Result { panic("boom") }},
	}
	start := time.Now()
	res := Run(context.Background(), &Target{Timeout: 100 * time.Millisecond}, checks)
	if time.Since(start) > 2*time.Second {
		t.Fatalf("a hanging check delayed the run: %s", time.Since(start))
	}
	if res[0].ID != "a.slow" || res[0].Status != StatusFail || !strings.Contains(res[0].Detail, "no answer") {
		t.Errorf("slow: %+v", res[0])
	}
	if res[1].ID != "b.fast" || res[1].Status != StatusPass {
		t.Errorf("fast: %+v", res[1])
	}
	if res[2].Status != StatusFail || !strings.Contains(res[2].Detail, "crashed") {
		t.Errorf("panic: %+v", res[2])
	}
	if s := Summarize(res); s.Pass != 1 || s.Fail != 2 {
		t.Errorf("summary %+v", s)
	}
}

// A check that honours its context ends before Run stops waiting, so its
// result says what it asked rather than a bare "no answer".
func TestRunLetsACheckThatHonoursItsContextReportInItsOwnWords(t *testing.T) {
	const timeout = time.Second
	checks := []Check{{ID: "a.hang", Title: "hangs until cancelled", Run: func(ctx context.Context, _ *Target) Result {
		<-ctx.Done()
		return Fail("raise --timeout", "GET /metrics: no answer: %v", ctx.Err())
	}}}
	r := Run(context.Background(), &Target{Timeout: timeout}, checks)[0]
	if r.Status != StatusFail || !strings.HasPrefix(r.Detail, "GET /metrics: no answer") {
		t.Errorf("got %s %q, want the check's own failure naming what it asked", r.Status, r.Detail)
	}
	if r.Duration >= timeout {
		t.Errorf("the check took %v, its whole timeout: its context should end first", r.Duration)
	}
}

func TestRunMasksTheTargetsTokensInEveryResult(t *testing.T) {
	const webhook = "webhookTESTtokenNOTaSECRET9876543210"
	target := &Target{Timeout: time.Second}
	target.Deployment.InjectionToken = edgeTestToken
	target.Deployment.WebhookToken = webhook
	leaky := Check{ID: "test.leak", Title: "leaks", Run: func(context.Context, *Target) Result {
		return Fail("send "+strings.ToUpper(webhook), "sent %s", edgeTestToken)
	}}
	r := Run(context.Background(), target, []Check{leaky})[0]
	if strings.Contains(r.Detail, edgeTestToken) || strings.Contains(strings.ToLower(r.Remedy), strings.ToLower(webhook)) {
		t.Fatalf("a token survived Run: detail %q, remedy %q", r.Detail, r.Remedy)
	}
	if !strings.Contains(r.Detail, "sent "+model.Masked) || !strings.Contains(r.Remedy, model.Masked) {
		t.Fatalf("tokens not replaced by %q: detail %q, remedy %q", model.Masked, r.Detail, r.Remedy)
	}
}
