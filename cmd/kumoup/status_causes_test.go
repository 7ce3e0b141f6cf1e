package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// TestStatusShowsOneRootCauseForACertificateForAnotherName: the text
// report opens with the one failure and what it blocks; the JSON names it
// in blocked_by of every blocked check and in root_causes.
func TestStatusShowsOneRootCauseForACertificateForAnotherName(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{Certificate: loopback.CertWrongName})
	r := kumoup(t, statusArgs(site, "edge,tls")...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "1 problem blocks 3 checks:\n✗ tls.certificate.name") {
		t.Errorf("the report does not open with the root cause:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "1 failed, 3 skipped") {
		t.Errorf("want one failure and three blocked checks:\n%s", r.stdout)
	}

	j := kumoup(t, statusArgs(site, "edge,tls", "--json")...)
	var doc statusJSON
	if err := json.Unmarshal([]byte(j.stdout), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, j.stdout)
	}
	blocked := 0
	for _, c := range doc.Checks {
		if c.BlockedBy != "" {
			blocked++
			if c.BlockedBy != "tls.certificate.name" || c.Status != "skip" {
				t.Errorf("%s: %s blocked_by %q, want skip blocked_by tls.certificate.name", c.ID, c.Status, c.BlockedBy)
			}
		}
	}
	if blocked != 3 || len(doc.RootCauses) != 1 || doc.RootCauses[0].ID != "tls.certificate.name" || len(doc.RootCauses[0].Blocks) != 3 {
		t.Errorf("%d blocked, root_causes %+v; want 3 blocked by tls.certificate.name", blocked, doc.RootCauses)
	}
}
