package probes

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// causesSample: one failed check blocking two, one independent failure.
func causesSample() []Result {
	return []Result{
		{ID: "edge.inject.unauthenticated", Status: StatusPass, Detail: "401"},
		{ID: "edge.token.exact", Status: StatusSkip, Detail: "not run: tls.certificate.name failed", BlockedBy: "tls.certificate.name"},
		{ID: "edge.metrics.authenticated", Status: StatusSkip, Detail: "not run: tls.certificate.name failed", BlockedBy: "tls.certificate.name"},
		{ID: "edge.hsts", Status: StatusFail, Detail: "no header", Remedy: "add it"},
		{ID: "tls.certificate.name", Status: StatusFail, Detail: "covers wrong-name.example.net", Remedy: "issue one"},
	}
}

func TestRootCausesFirstPutsTheBlockingFailureOnTop(t *testing.T) {
	var ids []string
	for _, r := range RootCausesFirst(causesSample()) {
		ids = append(ids, r.ID)
	}
	want := "tls.certificate.name edge.inject.unauthenticated edge.token.exact edge.metrics.authenticated edge.hsts"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	causes := RootCauses(causesSample())
	if len(causes) != 1 || strings.Join(causes[0].Blocks, ",") != "edge.token.exact,edge.metrics.authenticated" {
		t.Errorf("causes %+v, want tls.certificate.name blocking the two token checks", causes)
	}
	if RootCauses(reportSample()) != nil {
		t.Errorf("a sweep where nothing is blocked has root causes")
	}
}

func TestReportTextListsRootCausesFirst(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, causesSample(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	if lines[0] != "1 problem blocks 2 checks:" || !strings.HasPrefix(lines[1], "✗ tls.certificate.name") {
		t.Errorf("the report does not open with the root cause:\n%s", out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "blocks 2 checks: edge.token.exact, edge.metrics.authenticated") {
		t.Errorf("the root cause does not list what it blocks:\n%s", out)
	}
	if strings.Count(out, "tls.certificate.name  ") != 1 {
		t.Errorf("the root cause is listed twice:\n%s", out)
	}
	if !strings.Contains(out, "- edge.token.exact") || !strings.Contains(out, "not run: tls.certificate.name failed") {
		t.Errorf("the blocked check is missing:\n%s", out)
	}
}

func TestReportJSONNamesBlockedByAndRootCauses(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, causesSample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Checks []struct {
			ID        string `json:"id"`
			BlockedBy string `json:"blocked_by"`
		} `json:"checks"`
		RootCauses []struct {
			ID     string   `json:"id"`
			Blocks []string `json:"blocks"`
		} `json:"root_causes"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Checks[1].ID != "edge.token.exact" || doc.Checks[1].BlockedBy != "tls.certificate.name" || doc.Checks[3].BlockedBy != "" {
		t.Errorf("blocked_by wrong: %+v", doc.Checks)
	}
	if len(doc.RootCauses) != 1 || doc.RootCauses[0].ID != "tls.certificate.name" || len(doc.RootCauses[0].Blocks) != 2 {
		t.Errorf("root_causes %+v, want tls.certificate.name blocking 2", doc.RootCauses)
	}
}
