package metrics

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Issue 17 item 13: a series written twice in one exposition counts once.
// Before, its second line was compared with the first's value: two
// constant lines of 10 and 5 gave 2.5/s of deliveries that never happened.
func TestDuplicateSeriesCountOnce(t *testing.T) {
	body := `total_messages_delivered{service="smtp_client"} 10
total_messages_delivered{service="smtp_client"} 5
total_messages_delivered_by_provider{provider="google"} 7
total_messages_delivered_by_provider{provider="google"} 3
ready_count{service="smtp_client:ip-1->gmail.com@smtp_client"} 9
ready_count{service="smtp_client:ip-1->gmail.com@smtp_client"} 4
ready_count{service="smtp_client:ip-2->yahoo.com@smtp_client"} 2
`
	z := NewSummarizer()
	mustUpdate(t, z, t0, body)
	for i := 1; i <= 3; i++ {
		s := mustUpdate(t, z, t0.Add(time.Duration(i)*2*time.Second), body)
		wantStat(t, "delivered/s of constant duplicate series", s.Delivered, 0)
		if p := s.TopProviders; len(p) != 1 || p[0].Delivered != 0 {
			t.Errorf("providers = %+v, want google at 0/s", p)
		}
		if q := s.TopQueues; len(q) != 2 || q[0].Ready.Value != 9 || q[1].Ready.Value != 2 {
			t.Errorf("top queues = %+v, want gmail (9, its first line) once, then yahoo (2)", q)
		}
	}
	// A real increase of the first line still counts, once.
	s := mustUpdate(t, z, t0.Add(8*time.Second), strings.Replace(body, "} 10\n", "} 14\n", 1))
	wantStat(t, "delivered/s", s.Delivered, 2)
}

// A counter that goes down restarted: Prometheus's reset rule counts the
// new value as the increase since the restart, never a negative rate.
func TestCounterGoingDownIsAReset(t *testing.T) {
	z := NewSummarizer()
	mustUpdate(t, z, t0, "total_messages_delivered{service=\"smtp_client\"} 9000000\n")
	s := mustUpdate(t, z, t0.Add(2*time.Second), "total_messages_delivered{service=\"smtp_client\"} 8\n")
	wantStat(t, "delivered/s after a restart", s.Delivered, 4)
	s = mustUpdate(t, z, t0.Add(4*time.Second), "total_messages_delivered{service=\"smtp_client\"} 18\n")
	wantStat(t, "delivered/s after the restart", s.Delivered, 5)
}

// Issue 17 item 13: label values are printed cut to MaxLabelText bytes.
// Before, an 8 MiB queue name made 8 MiB of text output.
func TestWriteTextCutsLongLabelValues(t *testing.T) {
	long := "smtp_client:ip-1->" + strings.Repeat("é", 4<<20) + "@smtp_client" // 8 MiB
	body := "ready_count{service=\"" + long + "\"} 5\n" +
		"queued_count_by_provider{provider=\"" + strings.Repeat("p", 8<<20) + "\"} 3\n" +
		"egress_source_health_suspended{source=\"" + strings.Repeat("s", 1000) + "\",reason=\"" + strings.Repeat("r", 1000) + "\"} 1\n" +
		"thread_pool_size{pool=\"" + strings.Repeat("t", 1000) + "\"} 4\n" +
		"disk_free_percent{name=\"" + strings.Repeat("d", 1000) + "\"} 40\n" +
		"log_hook_backlog_count{logger=\"" + strings.Repeat("h", 1000) + "\"} 2\n"
	s := mustUpdate(t, NewSummarizer(), t0, body)
	var out bytes.Buffer
	if err := WriteText(&out, s, "saved.txt"); err != nil {
		t.Fatal(err)
	}
	if out.Len() > 8<<10 {
		t.Fatalf("text summary of 16 MiB of label values is %d bytes, want a few KB", out.Len())
	}
	cut := long[:MaxLabelText]
	for !strings.HasSuffix(cut, "é") && !strings.HasSuffix(cut, "-") {
		cut = cut[:len(cut)-1] // the cut falls on a character boundary
	}
	for _, want := range []string{cut + "…", strings.Repeat("p", MaxLabelText) + "…", strings.Repeat("s", MaxLabelText) + "… (" + strings.Repeat("r", MaxLabelText) + "…)",
		strings.Repeat("t", MaxLabelText) + "… ", strings.Repeat("d", MaxLabelText) + "… 40%", strings.Repeat("h", MaxLabelText) + "… 2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %.40q… (%d bytes)", want, len(want))
		}
	}
	if strings.Contains(out.String(), strings.Repeat("p", MaxLabelText+1)) {
		t.Error("a provider name is printed past the cut")
	}
}
