package probes

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// TestEdgeHangingTargetCostsOnlyItsOwnTimeout: a public name that accepts
// connections and never answers fails its checks at their timeout, while a
// check that needs no network returns at once, and the sweep ends at the
// timeout, not at the sum of the timeouts.
func TestEdgeHangingTargetCostsOnlyItsOwnTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var (
		mu   sync.Mutex
		held []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()

	const timeout = 300 * time.Millisecond
	target := &Target{
		Deployment: model.Deployment{Domain: "mta.example.com", InjectionToken: edgeTestToken, MaxBody: "25m"},
		Layout:     writer.Layout{Root: t.TempDir()},
		ConnectTo:  map[string]string{"mta.example.com:443": ln.Addr().String(), "mta.example.com:80": ln.Addr().String()},
		Timeout:    timeout,
	}
	checks, err := Select(Catalogue(), []string{"edge", "tls"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results := Run(context.Background(), target, checks)
	wall := time.Since(start)

	if wall > 3*timeout {
		t.Errorf("the sweep took %v with a %v timeout per check: hanging checks delayed each other", wall, timeout)
	}
	byID := map[string]Result{}
	for _, r := range results {
		byID[r.ID] = r
	}
	for _, r := range results {
		switch {
		case r.BlockedBy != "":
			// Blocked by a check that failed for the same silence: one
			// failure for one cause.
			if root := byID[r.BlockedBy]; r.Status != StatusSkip || root.Status != StatusFail {
				t.Errorf("%s: %s blocked by %s (%s), want a skip blocked by a failure", r.ID, r.Status, r.BlockedBy, root.Status)
			}
		case r.ID == "edge.acme.webroot" || r.ID == "tls.certificate.obtained":
			if r.Duration > timeout/2 {
				t.Errorf("%s needs no network but took %v", r.ID, r.Duration)
			}
		case r.Status != StatusFail || !strings.Contains(r.Detail, "no answer") && !strings.Contains(r.Detail, "deadline"):
			t.Errorf("%s: %s %q, want a failure saying nothing answered", r.ID, r.Status, r.Detail)
		}
	}
}
