package metrics

import (
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
)

var t0 = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

func mustUpdate(t *testing.T, z *Summarizer, at time.Time, body string) Summary {
	t.Helper()
	s, err := z.Update(at, []byte(body))
	if err != nil {
		t.Fatalf("update at %v: %v", at.Sub(t0), err)
	}
	return s
}

func wantStat(t *testing.T, what string, got Stat, want float64) {
	t.Helper()
	if !got.Known || math.Abs(got.Value-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v (known %v), want %v", what, got.Value, got.Known, want)
	}
}

func wantUnknown(t *testing.T, what string, got Stat) {
	t.Helper()
	if got.Known {
		t.Errorf("%s = %v, want unknown", what, got.Value)
	}
}

func TestSummaryOfRealFixture(t *testing.T) {
	z := NewSummarizer()
	s, err := z.Update(t0, fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	wantStat(t, "memory", s.Memory, 320516096)
	wantStat(t, "memory limit", s.MemoryLimit, 1538067456)
	wantStat(t, "inbound connections", s.InboundConns, 0)
	wantStat(t, "ready", s.Ready, 0)
	wantUnknown(t, "scheduled (no scheduled_count_total in a 2024 kumod)", s.Scheduled)
	wantUnknown(t, "messages", s.Messages)
	wantUnknown(t, "delivered/s on the first scrape", s.Delivered)
	if len(s.Disks) != 3 || s.Disks[0].Name != "data spool" || s.Disks[0].Percent.Value != 60 {
		t.Errorf("disks = %+v, want data spool, log dir and meta spool at 60%%", s.Disks)
	}
	if len(s.ThreadPools) != 2 || s.ThreadPools[0].Name != "localset" || s.ThreadPools[0].Busy.Value != 100 || s.ThreadPools[1].Busy.Value != 0 {
		t.Errorf("thread pools = %+v, want localset 100%% busy, logging 0%%", s.ThreadPools)
	}
	if s.Reference {
		t.Error("fixture was parsed by expfmt, want the fast path")
	}

	s = mustUpdate(t, z, t0.Add(2*time.Second), string(fixture(t)))
	wantStat(t, "delivered/s of an idle kumod", s.Delivered, 0)
	wantStat(t, "received/s of an idle kumod", s.Received, 0)
	if s.Interval != 2*time.Second || s.Memory.History.Len() != 2 {
		t.Errorf("interval %v and %d memory history entries, want 2s and 2", s.Interval, s.Memory.History.Len())
	}
}

// scrapes is a hand-written sequence with a counter reset, a pruned provider
// and queue coming back from zero, and a malformed scrape in between.
var scrapes = []struct {
	at   time.Duration
	body string
}{
	{0, `total_messages_delivered{service="smtp_client"} 100
total_messages_delivered{service="smtp_client:ip-1->gmail.com@smtp_client"} 60
total_messages_received{service="esmtp_listener"} 1000
total_messages_received{service="http_listener"} 500
total_messages_delivered_by_provider{provider="google"} 50
queued_count_by_provider{provider="google"} 7
log_hook_backlog_count{logger="hook-ping8_webhook"} 10
proxy_connection_failures 3
smtp_server_rejections{service="0.0.0.0:25"} 7
smtp_server_rejections{service="total"} 7
ready_count{service="smtp_client"} 999
ready_count{service="smtp_client:ip-1->gmail.com@smtp_client"} 5
ready_count{service="smtp_client:ip-2->yahoo.com@smtp_client"} 9
`},
	{2 * time.Second, `total_messages_delivered{service="smtp_client"} 110
total_messages_received{service="esmtp_listener"} 1010
total_messages_received{service="http_listener"} 504
total_messages_delivered_by_provider{provider="google"} 56
queued_count_by_provider{provider="google"} 3
log_hook_backlog_count{logger="hook-ping8_webhook"} 14
proxy_connection_failures 3
smtp_server_rejections{service="total"} 9
ready_count{service="smtp_client:ip-2->yahoo.com@smtp_client"} 4
`},
	// kumod restarted: the rollup starts again from zero; google is pruned.
	{4 * time.Second, `total_messages_delivered{service="smtp_client"} 4
total_messages_received{service="esmtp_listener"} 1020
total_messages_received{service="http_listener"} 510
log_hook_backlog_count{logger="hook-ping8_webhook"} 14
proxy_connection_failures 4
smtp_server_rejections{service="total"} 9
`},
	// google and the gmail queue come back from zero.
	{6 * time.Second, `total_messages_delivered{service="smtp_client"} 10
total_messages_received{service="esmtp_listener"} 1030
total_messages_received{service="http_listener"} 510
total_messages_delivered_by_provider{provider="google"} 6
log_hook_backlog_count{logger="hook-ping8_webhook"} 20
proxy_connection_failures 4
smtp_server_rejections{service="total"} 9
ready_count{service="smtp_client:ip-1->gmail.com@smtp_client"} 2
`},
	// truncated mid-line
	{8 * time.Second, `total_messages_delivered{service="smtp_client"} 20
total_messages_received{service="esmtp_listen`},
	{10 * time.Second, `total_messages_delivered{service="smtp_client"} 30
total_messages_received{service="esmtp_listener"} 1034
total_messages_received{service="http_listener"} 510
total_messages_delivered_by_provider{provider="google"} 14
log_hook_backlog_count{logger="hook-ping8_webhook"} 20
proxy_connection_failures 4
smtp_server_rejections{service="total"} 9
`},
}

func TestSummaryRatesSurviveResetsPruningAndBadScrapes(t *testing.T) {
	z := NewSummarizer()
	s := make([]Summary, len(scrapes))
	for i, sc := range scrapes {
		var err error
		s[i], err = z.Update(t0.Add(sc.at), []byte(sc.body))
		if (err != nil) != (i == 4) {
			t.Fatalf("scrape %d: err = %v", i, err)
		}
	}
	var pe *ParseError
	if _, err := NewSummarizer().Update(t0, []byte(scrapes[4].body)); !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("truncated scrape: got %v, want a parse error on line 2", err)
	}

	wantUnknown(t, "delivered/s on the first scrape", s[0].Delivered)
	wantStat(t, "ready (per-queue only)", s[0].Ready, 14)
	if q := s[0].TopQueues; len(q) != 2 || q[0].Queue != "smtp_client:ip-2->yahoo.com@smtp_client" || q[1].Ready.Value != 5 {
		t.Errorf("top queues = %+v, want yahoo (9) then gmail (5)", q)
	}

	wantStat(t, "delivered/s", s[1].Delivered, 5)
	wantStat(t, "received/s", s[1].Received, 7)
	wantStat(t, "rejections/s", s[1].Rejections, 1)
	wantStat(t, "proxy failures/s", s[1].ProxyFailures, 0)
	if w := s[1].Webhooks; len(w) != 1 || w[0].Logger != "hook-ping8_webhook" || w[0].PerSecond.Value != 2 || w[0].Total.Value != 14 {
		t.Errorf("webhooks = %+v, want hook-ping8_webhook at 14, 2/s", w)
	}
	if p := s[1].TopProviders; len(p) != 1 || p[0].Provider != "google" || p[0].Delivered != 3 || p[0].Queued.Value != 3 {
		t.Errorf("providers = %+v, want google delivering 3/s with 3 queued", p)
	}
	if q := s[1].TopQueues; len(q) != 1 || q[0].Ready.Value != 4 {
		t.Errorf("top queues after gmail was pruned = %+v, want only yahoo", q)
	}

	wantStat(t, "delivered/s across a restart (reset rule)", s[2].Delivered, 2)
	wantStat(t, "received/s", s[2].Received, 8)
	wantStat(t, "proxy failures/s", s[2].ProxyFailures, 0.5)
	if len(s[2].TopProviders) != 0 {
		t.Errorf("pruned provider still listed: %+v", s[2].TopProviders)
	}
	wantStat(t, "ready with no queues", s[2].Ready, 0)

	wantStat(t, "delivered/s", s[3].Delivered, 3)
	if p := s[3].TopProviders; len(p) != 1 || p[0].Delivered != 3 {
		t.Errorf("provider back from zero = %+v, want 3/s, not a spike", p)
	}
	if q := s[3].TopQueues; len(q) != 1 || q[0].Ready.Value != 2 || q[0].Ready.History.Len() != 2 {
		t.Errorf("queue back = %+v, want ready 2 with its earlier history kept", q)
	}

	if s[5].Interval != 4*time.Second {
		t.Errorf("interval after a bad scrape = %v, want 4s (since the last good one)", s[5].Interval)
	}
	wantStat(t, "delivered/s across a bad scrape", s[5].Delivered, 5)
	wantStat(t, "received/s across a bad scrape", s[5].Received, 1)
	if p := s[5].TopProviders; len(p) != 1 || p[0].Delivered != 2 {
		t.Errorf("provider rate across a bad scrape = %+v, want 2/s", p)
	}
	if h := s[5].Delivered.History.Values(); len(h) != 4 || h[0] != 5 || h[3] != 5 {
		t.Errorf("delivered history = %v, want [5 2 3 5]", h)
	}
}

// TestSummaryMatchesSimulatorTruth drives the summary with the simulator's
// scrapes (restarts every 17 scrapes, queues and providers pruned and coming
// back) and compares every rate and gauge with what the simulator did.
func TestSummaryMatchesSimulatorTruth(t *testing.T) {
	sim := expogen.NewSim(42)
	z := NewSummarizer()
	z.TopN = 100
	var resets, pruned, returned int
	at := t0
	for i := range 80 {
		at = at.Add(time.Duration(1500+i%3*500) * time.Millisecond)
		s := mustUpdate(t, z, at, string(sim.Next(at)))
		tr := sim.Truth()
		wantStat(t, "ready", s.Ready, tr.Ready)
		wantStat(t, "scheduled", s.Scheduled, tr.Scheduled)
		if i == 0 {
			continue
		}
		dt := tr.Interval.Seconds()
		wantStat(t, "delivered/s", s.Delivered, tr.Delivered/dt)
		wantStat(t, "transfail/s", s.Transfail, tr.Transfail/dt)
		wantStat(t, "failed/s", s.Failed, tr.Failed/dt)
		wantStat(t, "received/s", s.Received, tr.Received/dt)
		wantStat(t, "rejections/s", s.Rejections, tr.Rejections/dt)
		wantStat(t, "proxy failures/s", s.ProxyFailures, tr.ProxyFailures/dt)
		if len(s.Webhooks) != 1 {
			t.Fatalf("scrape %d: webhooks %+v", i+1, s.Webhooks)
		}
		wantStat(t, "webhook back-pressure/s", s.Webhooks[0].PerSecond, tr.WebhookBacklog/dt)
		if len(s.TopProviders) != len(tr.ProviderDelivered) {
			t.Fatalf("scrape %d: %d providers listed, simulator exposes %d", i+1, len(s.TopProviders), len(tr.ProviderDelivered))
		}
		for _, p := range s.TopProviders {
			if want := tr.ProviderDelivered[p.Provider] / dt; math.Abs(p.Delivered-want) > 1e-9 {
				t.Errorf("scrape %d: %s delivered %v/s, want %v", i+1, p.Provider, p.Delivered, want)
			}
		}
		if tr.RollupReset {
			resets++
		}
		pruned += len(tr.Pruned)
		returned += len(tr.Returned)
	}
	if resets < 3 || pruned == 0 || returned == 0 {
		t.Errorf("the run had %d restarts, %d prunes, %d returns; want several of each", resets, pruned, returned)
	}
}

func TestSummaryFallsBackToExpfmtForQuotedNames(t *testing.T) {
	z := NewSummarizer()
	s := mustUpdate(t, z, t0, "ready_count{service=\"a:b\"} 1\n{\"ready_count\",service=\"c:d\"} 5\nmemory_usage 7\n")
	if !s.Reference {
		t.Error("Reference = false, want the scrape parsed by expfmt")
	}
	wantStat(t, "ready", s.Ready, 6)
	wantStat(t, "memory", s.Memory, 7)
	s = mustUpdate(t, z, t0.Add(2*time.Second), "total_messages_delivered{service=\"smtp_client\"} 5\n")
	wantUnknown(t, "delivered/s right after switching parsers", s.Delivered)
	s = mustUpdate(t, z, t0.Add(4*time.Second), "total_messages_delivered{service=\"smtp_client\"} 9\n")
	wantStat(t, "delivered/s", s.Delivered, 2)
}

func TestSummaryRanksQueuesAndProviders(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		b.WriteString("ready_count{service=\"smtp_client:ip-1->q" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@smtp_client\"} " + strconv.Itoa(i%7) + "\n")
		b.WriteString("queued_count_by_provider{provider=\"p" + strconv.Itoa(i) + "\"} " + strconv.Itoa(i) + "\n")
	}
	z := NewSummarizer()
	z.TopN = 5
	s := mustUpdate(t, z, t0, b.String())
	if len(s.TopQueues) != 5 || len(s.TopProviders) != 5 {
		t.Fatalf("got %d queues and %d providers, want 5 each", len(s.TopQueues), len(s.TopProviders))
	}
	for i := 1; i < 5; i++ {
		if s.TopQueues[i].Ready.Value > s.TopQueues[i-1].Ready.Value {
			t.Errorf("queues not largest first: %+v", s.TopQueues)
		}
	}
	if s.TopQueues[0].Ready.Value != 6 || s.TopProviders[0].Provider != "p29" || s.TopProviders[4].Provider != "p25" {
		t.Errorf("queues %+v providers %+v, want the 6s and p29..p25", s.TopQueues, s.TopProviders)
	}
}

func TestSummaryUpdateAllocatesLittleInSteadyState(t *testing.T) {
	body := expogen.Generate(20_000, 3)
	z := NewSummarizer()
	at := t0
	for range 3 {
		at = at.Add(2 * time.Second)
		if _, err := z.Update(at, body); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 5
	for range n {
		at = at.Add(2 * time.Second)
		if _, err := z.Update(at, body); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 256<<10 {
		t.Errorf("steady-state update of 20k series allocates %d bytes, want under 256 KiB", per)
	}
}
