package fleet

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
	"github.com/kumoup/kumoup/internal/promtest"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/probes"
)

// busyMetrics is kumod's idle capture plus smtp_client counters growing
// at 20 delivered and 2 transient failures a second, and a webhook
// backlog of 7.
func busyMetrics() func() []byte {
	start := time.Now()
	return func() []byte {
		s := time.Since(start).Seconds()
		return fmt.Appendf(standin.FixtureMetrics(),
			"# TYPE total_messages_delivered counter\ntotal_messages_delivered{service=\"smtp_client\"} %d\n"+
				"# TYPE total_messages_transfail counter\ntotal_messages_transfail{service=\"smtp_client\"} %d\n"+
				"# TYPE log_hook_backlog_count gauge\nlog_hook_backlog_count{logger=\"webhook\"} 7\n", int(s*20), int(s*2))
	}
}

// startFleet is three loopback hosts (one healthy and busy, one without
// HSTS, one whose certificate expires in 3 days) behind a real Prometheus.
func startFleet(t *testing.T) *promtest.Fleet {
	t.Helper()
	loopbacktest.NeedNginx(t)
	for _, bin := range []string{promtest.PrometheusBinary, promtest.NodeExporterBinary} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%v: this test runs the real one (apt-get install prometheus prometheus-node-exporter)", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f, err := promtest.StartFleet(ctx, t.TempDir(), []promtest.FleetHost{
		{Domain: "mta1.example.com", Metrics: busyMetrics()},
		{Domain: "mta2.example.com", Mutate: loopback.BreakNoHSTS},
		{Domain: "mta3.example.com", Certificate: loopback.CertExpiringSoon},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	return f
}

func TestFetchShowsEveryHostWorstFirst(t *testing.T) {
	f := startFleet(t)
	c, err := New(f.Prometheus.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Window = 5 * time.Second
	deadline := time.Now().Add(30 * time.Second)
	var snap Snapshot
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		next, err := c.Fetch(ctx)
		cancel()
		if err != nil {
			t.Fatalf("%v; last snapshot: %+v", err, snap.Hosts)
		}
		snap = next
		if len(snap.Hosts) == 3 && snap.Hosts[2].Delivered > 15 &&
			snap.Hosts[0].KumodUp == Up && snap.Hosts[1].KumodUp == Up && snap.Hosts[2].KumodUp == Up {
			break
		}
		if time.Now().After(deadline) {
			tg, _ := f.Prometheus.API.Targets(context.Background())
			for _, a := range tg.Active {
				t.Logf("target %s %s %s %s", a.ScrapeURL, a.Labels, a.Health, a.LastError)
			}
			t.Fatalf("the fleet never showed three hosts up with rates: %+v", snap.Hosts)
		}
		time.Sleep(500 * time.Millisecond)
	}
	var order []string
	for _, h := range snap.Hosts {
		order = append(order, h.Instance)
	}
	if want := []string{"mta3.example.com", "mta2.example.com", "mta1.example.com"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v (the expiring certificate, then the missing HSTS, then the healthy host)", order, want)
	}
	mta3, mta2, mta1 := snap.Hosts[0], snap.Hosts[1], snap.Hosts[2]
	if !slices.Contains(mta3.Failing, "tls.certificate.expiry") || mta3.CertificateDays > 3.1 || mta3.CertificateDays < 2.9 {
		t.Errorf("mta3: failing %v, %.2f certificate days", mta3.Failing, mta3.CertificateDays)
	}
	if !slices.Equal(mta2.Failing, []string{"edge.hsts"}) || mta2.Severity() != probes.StatusFail {
		t.Errorf("mta2: failing %v, severity %v", mta2.Failing, mta2.Severity())
	}
	if len(mta1.Failing) != 0 || mta1.Severity() == probes.StatusFail || mta1.Checks == 0 || mta1.CertificateDays < 89 {
		t.Errorf("mta1: %+v", mta1)
	}
	if mta1.Delivered > 25 || mta1.Transfail < 1 || mta1.Transfail > 3 || mta1.Backlog != 7 {
		t.Errorf("mta1 rates: delivered %.1f/s transfail %.1f/s backlog %v", mta1.Delivered, mta1.Transfail, mta1.Backlog)
	}
	if !math.IsNaN(mta2.Delivered) || !math.IsNaN(mta2.Backlog) {
		t.Errorf("mta2's idle kumod has no delivery series, yet: %v %v", mta2.Delivered, mta2.Backlog)
	}
	for _, h := range snap.Hosts {
		if h.ChecksUp != Up || h.SweepAge < 0 || h.SweepAge > time.Minute {
			t.Errorf("%s: checks scrape %v, sweep age %v", h.Instance, h.ChecksUp, h.SweepAge)
		}
	}
}

func TestFetchFromNoPrometheusIsAnError(t *testing.T) {
	port, err := promtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(fmt.Sprintf("http://127.0.0.1:%d", port), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Fetch(ctx); err == nil {
		t.Fatal("no error without a Prometheus")
	}
}

func TestSeverityAndOrder(t *testing.T) {
	nan := math.NaN()
	ok := Host{Instance: "b", KumodUp: Up, ChecksUp: Up, CertificateDays: 60, SweepAge: time.Minute, Delivered: nan}
	cases := []struct {
		name string
		h    func(Host) Host
		want probes.Status
	}{
		{"healthy", func(h Host) Host { return h }, probes.StatusPass},
		{"a failing check", func(h Host) Host { h.Failing = []string{"edge.hsts"}; return h }, probes.StatusFail},
		{"kumod scrape down", func(h Host) Host { h.KumodUp = Down; return h }, probes.StatusFail},
		{"certificate in 3 days", func(h Host) Host { h.CertificateDays = 3; return h }, probes.StatusFail},
		{"certificate in 10 days", func(h Host) Host { h.CertificateDays = 10; return h }, probes.StatusWarn},
		{"a warning", func(h Host) Host { h.Warning = []string{"tls.protocols"}; return h }, probes.StatusWarn},
		{"stale sweep", func(h Host) Host { h.SweepAge = 10 * time.Minute; return h }, probes.StatusWarn},
		{"no checks scrape", func(h Host) Host { h.ChecksUp = Missing; return h }, probes.StatusWarn},
	}
	for _, c := range cases {
		if got := c.h(ok).Severity(); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	a, z := ok, ok
	a.Instance, z.Instance = "a", "z"
	two := ok
	two.Instance, two.Failing = "two", []string{"x", "y"}
	one := ok
	one.Instance, one.Failing = "one", []string{"x"}
	warn := ok
	warn.Instance, warn.Warning = "warn", []string{"x"}
	hosts := []Host{z, warn, one, a, two}
	Sort(hosts)
	var got []string
	for _, h := range hosts {
		got = append(got, h.Instance)
	}
	if want := []string{"two", "one", "warn", "a", "z"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
