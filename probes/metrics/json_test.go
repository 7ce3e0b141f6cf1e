package metrics

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
)

// jsonDoc decodes WriteJSON's output strictly: a field WriteJSON adds or
// renames fails the decode.
type jsonDoc struct {
	At       time.Time `json:"at"`
	Source   string    `json:"source"`
	Interval *float64  `json:"interval_seconds"`
	Samples  int       `json:"samples"`
	Bytes    int       `json:"bytes"`
	Parser   string    `json:"parser"`
	Rates    map[string]*float64
	Gauges   map[string]*float64
	Pools    []struct {
		Name         string
		Size, Parked *float64
		BusyPercent  *float64 `json:"busy_percent"`
		History      []*float64
	} `json:"thread_pools"`
	LogHooks []struct {
		Logger    string
		Backlog   *float64 `json:"backlog_total"`
		PerSecond *float64 `json:"backlog_per_second"`
		History   []*float64
	} `json:"log_hooks"`
	Suspended []struct{ Source, Reason string } `json:"suspended_sources"`
	Disks     []struct {
		Name        string
		FreePercent *float64 `json:"free_percent"`
		History     []*float64
	} `json:"disks"`
	TopQueues []struct {
		Queue   string
		Ready   *float64
		History []*float64
	} `json:"top_queues"`
	TopProviders []struct {
		Provider          string
		Queued            *float64
		Delivered         *float64 `json:"delivered_per_second"`
		TransientFailures *float64 `json:"transient_failures_per_second"`
		PermanentFailures *float64 `json:"permanent_failures_per_second"`
		Connections       *float64
		History           []*float64
	} `json:"top_providers"`
	History map[string][]*float64 `json:"history"`
}

func decodeJSONDoc(t *testing.T, b []byte) jsonDoc {
	t.Helper()
	var doc jsonDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("WriteJSON's output does not decode: %v\n%s", err, b)
	}
	return doc
}

// simulatedSummaries folds n scrapes of a simulated kumod, 2 s apart.
func simulatedSummaries(t *testing.T, n int) Summary {
	t.Helper()
	sim, z := expogen.NewSim(7), NewSummarizer()
	var s Summary
	for i := range n {
		at := t0.Add(time.Duration(i) * 2 * time.Second)
		s = mustUpdate(t, z, at, string(sim.Next(at)))
	}
	return s
}

func TestWriteJSONHasRatesGaugesAndTopQueuesWithoutHistories(t *testing.T) {
	s := simulatedSummaries(t, 3)
	var b bytes.Buffer
	if err := WriteJSON(&b, s, JSONOptions{Source: "https://mta.example.com/metrics"}); err != nil {
		t.Fatal(err)
	}
	doc := decodeJSONDoc(t, b.Bytes())
	if doc.Source != "https://mta.example.com/metrics" || !doc.At.Equal(s.At) || doc.Interval == nil || *doc.Interval != 2 || doc.Parser != "fast" {
		t.Errorf("header: source %q at %v interval %v parser %q", doc.Source, doc.At, doc.Interval, doc.Parser)
	}
	for _, k := range []string{"delivered", "transient_failures", "permanent_failures", "received", "rejections", "proxy_failures"} {
		if v, ok := doc.Rates[k]; !ok || v == nil {
			t.Errorf("rates.%s missing or null after three scrapes", k)
		}
	}
	if v := doc.Rates["delivered"]; v != nil && *v != s.Delivered.Value {
		t.Errorf("rates.delivered %v, want %v", *v, s.Delivered.Value)
	}
	for _, k := range []string{"scheduled", "ready", "messages", "resident", "memory_bytes", "connections_out", "connections_in", "proxy_failures_total"} {
		if v, ok := doc.Gauges[k]; !ok || v == nil {
			t.Errorf("gauges.%s missing or null", k)
		}
	}
	if len(doc.TopQueues) != len(s.TopQueues) || len(doc.TopQueues) == 0 || doc.TopQueues[0].Queue != s.TopQueues[0].Queue || *doc.TopQueues[0].Ready != s.TopQueues[0].Ready.Value {
		t.Errorf("top_queues %+v, want %+v", doc.TopQueues, s.TopQueues)
	}
	if len(doc.TopProviders) == 0 || doc.TopProviders[0].Delivered == nil || len(doc.Pools) == 0 || len(doc.Disks) == 0 || len(doc.LogHooks) == 0 {
		t.Errorf("providers, pools, disks or log hooks missing:\n%s", b.String())
	}
	if doc.History != nil || strings.Contains(b.String(), `"history"`) {
		t.Errorf("histories written without History:\n%s", b.String())
	}
}

func TestWriteJSONAddsHistoriesWhenAsked(t *testing.T) {
	s := simulatedSummaries(t, 3)
	var b bytes.Buffer
	if err := WriteJSON(&b, s, JSONOptions{History: true, Compact: true}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 1 {
		t.Errorf("compact output has %d lines, want 1", n)
	}
	doc := decodeJSONDoc(t, b.Bytes())
	if got := doc.History["delivered"]; len(got) != 2 || *got[1] != s.Delivered.Value {
		t.Errorf("history.delivered %v, want the two rates, the last %v", got, s.Delivered.Value)
	}
	if got := doc.History["ready"]; len(got) != 3 {
		t.Errorf("history.ready has %d values, want one per scrape (3)", len(got))
	}
	if len(doc.TopQueues) == 0 || len(doc.TopQueues[0].History) == 0 || len(doc.Pools[0].History) == 0 {
		t.Errorf("per-item histories missing:\n%s", b.String())
	}
}

func TestWriteJSONWritesNullForUnknownAndNonFiniteValues(t *testing.T) {
	s := Summary{At: t0}
	s.Memory = Stat{Value: math.NaN(), Known: true}
	s.MemoryLimit = Stat{Value: math.Inf(1), Known: true}
	s.Ready = Stat{Value: 12, Known: true}
	var b bytes.Buffer
	if err := WriteJSON(&b, s, JSONOptions{}); err != nil {
		t.Fatalf("NaN or Inf breaks the encoder: %v", err)
	}
	doc := decodeJSONDoc(t, b.Bytes())
	if doc.Gauges["memory_bytes"] != nil || doc.Gauges["memory_limit_bytes"] != nil || doc.Rates["delivered"] != nil || doc.Interval != nil {
		t.Errorf("unknown or non-finite values are not null:\n%s", b.String())
	}
	if v := doc.Gauges["ready"]; v == nil || *v != 12 {
		t.Errorf("gauges.ready %v, want 12", v)
	}
	if doc.TopQueues == nil || doc.Disks == nil {
		t.Errorf("empty lists are null, want []:\n%s", b.String())
	}
}
