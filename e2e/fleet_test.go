package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/promtest"
)

// TestFleetInATerminalShowsEveryHostWorstFirst runs `kumoup fleet` in a
// real 80x24 terminal against a real Prometheus scraping three loopback
// hosts, selects the host without HSTS, reads its failing check, and quits.
func TestFleetInATerminalShowsEveryHostWorstFirst(t *testing.T) {
	term := newTerminal(t, termOptions{})
	need(t, "nginx", "nginx")
	for _, bin := range []string{promtest.PrometheusBinary, promtest.NodeExporterBinary} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%v: this test runs the real one (apt-get install prometheus prometheus-node-exporter)", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f, err := promtest.StartFleet(ctx, t.TempDir(), []promtest.FleetHost{
		{Domain: "mta1.example.com"},
		{Domain: "mta2.example.com", Mutate: loopback.BreakNoHSTS},
		{Domain: "mta3.example.com", Certificate: loopback.CertExpiringSoon},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)

	term.typeLine("kumoup fleet --prometheus " + f.Prometheus.URL + " --interval 1s --rate-window 5s")
	screen := term.WaitFor(`(?s)3 hosts.*✗ mta3\.example\.com .*✗ mta2\.example\.com .*[✓!] mta1\.example\.com`, 30*time.Second)
	for i, l := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("line %d wider than 80 columns: %q", i+1, l)
		}
	}
	term.Keys("Down", "Enter")
	term.WaitFor(`mta2\.example\.com  failing`, 10*time.Second)
	term.WaitFor(`✗ edge\.hsts`, 5*time.Second)
	term.WaitFor(`sudo kumoup status --only edge\.hsts`, 5*time.Second)
	term.Keys("Escape")
	term.WaitFor(`↑/k up`, 5*time.Second)
	term.Keys("q")
	term.WaitFor(promptRE, 10*time.Second)
}
