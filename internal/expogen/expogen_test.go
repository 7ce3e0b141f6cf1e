package expogen

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func parse(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("expfmt rejects the exposition: %v", err)
	}
	return mfs
}

func countSeries(mfs map[string]*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				n += len(h.GetBucket()) + 2
				continue
			}
			n++
		}
	}
	return n
}

func value(mf *dto.MetricFamily, label, want string) (float64, bool) {
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == want {
				if c := m.GetCounter(); c != nil {
					return c.GetValue(), true
				}
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func TestGenerateProducesValidExpositionOfRequestedSize(t *testing.T) {
	for _, n := range []int{2000, 50_000} {
		mfs := parse(t, Generate(n, 1))
		got := countSeries(mfs)
		if math.Abs(float64(got-n)) > float64(n)/100 {
			t.Errorf("Generate(%d) has %d series, want within 1%%", n, got)
		}
	}
}

func TestGenerateIsDeterministicPerSeed(t *testing.T) {
	if !bytes.Equal(Generate(3000, 7), Generate(3000, 7)) {
		t.Error("same seed gave different expositions")
	}
	if bytes.Equal(Generate(3000, 7), Generate(3000, 8)) {
		t.Error("different seeds gave the same exposition")
	}
}

func TestGenerateUsesKumodLabelShapes(t *testing.T) {
	b := string(Generate(3000, 1))
	for _, want := range []string{
		`ready_count{service="smtp_client:ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"}`,
		`total_messages_delivered{service="smtp_client"}`,
		`total_messages_delivered_by_provider{provider="yahoo"}`,
		`log_hook_backlog_count{logger="hook-ping8_webhook"}`,
		`reason="connect failures: \"421 4.7.0 try again later\""`,
		`deliver_message_latency_rollup_bucket{service="smtp_client",le="+Inf"}`,
		"# TYPE ready_count gauge\n",
		"# HELP scheduled_count_total total number of messages across all scheduled queues.\n",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
}

func TestSimIsDeterministicPerSeed(t *testing.T) {
	a, b := NewSim(3), NewSim(3)
	at := time.Unix(1_700_000_000, 0)
	for i := range 30 {
		now := at.Add(time.Duration(i) * 2 * time.Second)
		if !bytes.Equal(a.Next(now), b.Next(now)) {
			t.Fatalf("scrape %d differs between two sims with the same seed", i+1)
		}
	}
}

func TestSimScrapesAreValidAndSmall(t *testing.T) {
	s := NewSim(1)
	at := time.Unix(1_700_000_000, 0)
	for i := range 40 {
		mfs := parse(t, s.Next(at.Add(time.Duration(i)*2*time.Second)))
		if n := countSeries(mfs); n > 400 {
			t.Fatalf("scrape %d has %d series, want a small exposition (<= 400)", i+1, n)
		}
	}
}

// TestSimCountersFollowTruth checks the sim against its own Truth: the
// rollup counter grows by exactly the reported increment, except on a
// restart where it starts again from that increment; pruned queues vanish and
// come back from zero.
func TestSimCountersFollowTruth(t *testing.T) {
	s := NewSim(5)
	at := time.Unix(1_700_000_000, 0)
	var prev float64
	var resets, pruned, returned int
	for i := range 60 {
		mfs := parse(t, s.Next(at.Add(time.Duration(i)*2*time.Second)))
		tr := s.Truth()
		cur, ok := value(mfs["total_messages_delivered"], "service", "smtp_client")
		if !ok {
			t.Fatalf("scrape %d lacks the smtp_client delivered rollup", i+1)
		}
		if i > 0 {
			want := prev + tr.Delivered
			if tr.RollupReset {
				want = tr.Delivered
				resets++
			}
			if cur != want {
				t.Fatalf("scrape %d: rollup delivered = %v, want %v (truth %+v)", i+1, cur, want, tr)
			}
		}
		for _, q := range tr.Pruned {
			pruned++
			if _, ok := value(mfs["ready_count"], "service", q); ok {
				t.Fatalf("scrape %d: pruned queue %s still exposed", i+1, q)
			}
		}
		for _, q := range tr.Returned {
			returned++
			if v, _ := value(mfs["total_messages_delivered"], "service", q); v > 200 {
				t.Fatalf("scrape %d: returned queue %s has delivered %v, want a count from zero", i+1, q, v)
			}
		}
		prev = cur
	}
	if resets == 0 || pruned == 0 || returned == 0 {
		t.Errorf("in 60 scrapes: %d resets, %d prunes, %d returns; want each at least once", resets, pruned, returned)
	}
}

// noDuplicateSeries fails when a series (family and labels) appears twice:
// kumod never exposes the same series twice.
func noDuplicateSeries(t *testing.T, what string, mfs map[string]*dto.MetricFamily) {
	t.Helper()
	seen := map[string]bool{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			k := name
			for _, l := range m.GetLabel() {
				k += "\x00" + l.GetName() + "=" + l.GetValue()
			}
			if seen[k] {
				t.Fatalf("%s: series %q appears twice", what, k)
			}
			seen[k] = true
		}
	}
}

func TestExpositionsHaveNoDuplicateSeries(t *testing.T) {
	noDuplicateSeries(t, "Generate(5000)", parse(t, Generate(5000, 2)))
	s := NewSim(2)
	at := time.Unix(1_700_000_000, 0)
	for i := range 40 {
		noDuplicateSeries(t, "sim scrape", parse(t, s.Next(at.Add(time.Duration(i)*2*time.Second))))
	}
}

// BenchmarkSimNext is the cost of one demo scrape (about 300 series).
func BenchmarkSimNext(b *testing.B) {
	s := NewSim(1)
	at := time.Unix(1_700_000_000, 0)
	b.ReportAllocs()
	for i := range b.N {
		s.Next(at.Add(time.Duration(i) * 2 * time.Second))
	}
}
