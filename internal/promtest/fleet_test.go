package promtest

import (
	"context"
	"testing"
)

// TestStartFleetThatFailsStopsWhatItStartedAndSaysWhy: a fleet that cannot
// start returns the cause (it used to panic in its own cleanup on the nil
// it returned, hiding the cause).
func TestStartFleetThatFailsStopsWhatItStartedAndSaysWhy(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	f, err := StartFleet(ctx, t.TempDir(), []FleetHost{{Domain: "mta1.example.com"}})
	if err == nil || f != nil {
		t.Fatalf("StartFleet with a cancelled context: %v, %v; want nil and the cause", f, err)
	}
	t.Logf("cause: %v", err)
}
