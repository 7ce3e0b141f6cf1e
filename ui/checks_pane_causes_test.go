package ui

import (
	"testing"
	"time"

	"github.com/kumoup/kumoup/probes"
)

// TestChecksPaneListsRootCausesFirst: the failure that blocks other checks
// is the first line of the pane, whatever its catalogue position.
func TestChecksPaneListsRootCausesFirst(t *testing.T) {
	var p checksPane
	p.record([]probes.Result{
		{ID: "edge.token.exact", Status: probes.StatusSkip, BlockedBy: "tls.certificate.name"},
		{ID: "edge.hsts", Status: probes.StatusPass},
		{ID: "tls.certificate.name", Status: probes.StatusFail},
	}, time.Now())
	if got := p.results[0].ID; got != "tls.certificate.name" {
		t.Errorf("first line is %s, want the root cause tls.certificate.name", got)
	}
}
