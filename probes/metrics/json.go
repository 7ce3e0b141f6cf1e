package metrics

import (
	"encoding/json"
	"io"
	"math"
	"time"
)

// JSONOptions tune WriteJSON.
type JSONOptions struct {
	// Source names where the exposition came from (the URL or the file).
	Source string
	// History adds each value's recent history (oldest first).
	History bool
	// Compact writes the document on one line (one per scrape with
	// --watch); otherwise it is indented.
	Compact bool
}

// WriteJSON writes s as one JSON document: rates per second, gauges,
// thread pools, log hooks, suspended sources, disks, top queues and top
// providers. A value kumod did not report, a rate before the second
// scrape, and a value that is not finite are null.
func WriteJSON(w io.Writer, s Summary, o JSONOptions) error {
	doc := jsonSummary{
		At:       s.At.UTC().Format(time.RFC3339Nano),
		Source:   o.Source,
		Samples:  s.Samples,
		Bytes:    s.Bytes,
		Parser:   "fast",
		Interval: jsonValue{s.Interval.Seconds(), s.Interval > 0},
		Rates: jsonRates{
			Delivered: stat(s.Delivered), TransientFailures: stat(s.Transfail), PermanentFailures: stat(s.Failed),
			Received: stat(s.Received), Rejections: stat(s.Rejections), ProxyFailures: stat(s.ProxyFailures),
		},
		Gauges: jsonGauges{
			Scheduled: stat(s.Scheduled), Ready: stat(s.Ready), Messages: stat(s.Messages), Resident: stat(s.Resident),
			MemoryBytes: stat(s.Memory), MemoryLimitBytes: stat(s.MemoryLimit),
			ConnectionsOut: stat(s.OutboundConns), ConnectionsIn: stat(s.InboundConns),
			ProxyFailuresTotal: jsonValue{s.ProxyFailuresTotal, true},
		},
		ThreadPools:  make([]jsonThreadPool, 0, len(s.ThreadPools)),
		LogHooks:     make([]jsonLogHook, 0, len(s.Webhooks)),
		Suspended:    make([]jsonSuspended, 0, len(s.Suspended)),
		Disks:        make([]jsonDisk, 0, len(s.Disks)),
		TopQueues:    make([]jsonQueue, 0, len(s.TopQueues)),
		TopProviders: make([]jsonProvider, 0, len(s.TopProviders)),
	}
	if s.Reference {
		doc.Parser = "expfmt"
	}
	hist := func(Stat) []jsonValue { return nil }
	if o.History {
		hist = history
		doc.History = map[string][]jsonValue{
			"delivered": history(s.Delivered), "transient_failures": history(s.Transfail), "permanent_failures": history(s.Failed),
			"received": history(s.Received), "rejections": history(s.Rejections), "proxy_failures": history(s.ProxyFailures),
			"scheduled": history(s.Scheduled), "ready": history(s.Ready), "messages": history(s.Messages), "resident": history(s.Resident),
			"memory_bytes": history(s.Memory), "memory_limit_bytes": history(s.MemoryLimit),
			"connections_out": history(s.OutboundConns), "connections_in": history(s.InboundConns),
		}
	}
	for _, p := range s.ThreadPools {
		doc.ThreadPools = append(doc.ThreadPools, jsonThreadPool{p.Name, jsonValue{p.Size, true}, jsonValue{p.Parked, true}, stat(p.Busy), hist(p.Busy)})
	}
	for _, h := range s.Webhooks {
		doc.LogHooks = append(doc.LogHooks, jsonLogHook{h.Logger, stat(h.Total), stat(h.PerSecond), hist(h.PerSecond)})
	}
	for _, x := range s.Suspended {
		doc.Suspended = append(doc.Suspended, jsonSuspended(x))
	}
	for _, d := range s.Disks {
		doc.Disks = append(doc.Disks, jsonDisk{d.Name, stat(d.Percent), hist(d.Percent)})
	}
	for _, q := range s.TopQueues {
		doc.TopQueues = append(doc.TopQueues, jsonQueue{q.Queue, stat(q.Ready), hist(q.Ready)})
	}
	rated := s.Interval > 0
	for _, p := range s.TopProviders {
		doc.TopProviders = append(doc.TopProviders, jsonProvider{
			Provider: p.Provider, Queued: stat(p.Queued),
			Delivered: jsonValue{p.Delivered, rated}, TransientFailures: jsonValue{p.Transfail, rated}, PermanentFailures: jsonValue{p.Failed, rated},
			Connections: jsonValue{p.Connections, true}, History: hist(p.Queued),
		})
	}
	enc := json.NewEncoder(w)
	if !o.Compact {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// jsonValue is a number, or null when unknown or not finite.
type jsonValue struct {
	v     float64
	known bool
}

func (j jsonValue) MarshalJSON() ([]byte, error) {
	if !j.known || math.IsNaN(j.v) || math.IsInf(j.v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(j.v)
}

func stat(s Stat) jsonValue { return jsonValue{s.Value, s.Known} }

func history(s Stat) []jsonValue {
	vals := s.History.Values()
	out := make([]jsonValue, len(vals))
	for i, v := range vals {
		out[i] = jsonValue{v, true}
	}
	return out
}

type jsonSummary struct {
	At           string                 `json:"at"`
	Source       string                 `json:"source"`
	Interval     jsonValue              `json:"interval_seconds"`
	Samples      int                    `json:"samples"`
	Bytes        int                    `json:"bytes"`
	Parser       string                 `json:"parser"`
	Rates        jsonRates              `json:"rates"`
	Gauges       jsonGauges             `json:"gauges"`
	ThreadPools  []jsonThreadPool       `json:"thread_pools"`
	LogHooks     []jsonLogHook          `json:"log_hooks"`
	Suspended    []jsonSuspended        `json:"suspended_sources"`
	Disks        []jsonDisk             `json:"disks"`
	TopQueues    []jsonQueue            `json:"top_queues"`
	TopProviders []jsonProvider         `json:"top_providers"`
	History      map[string][]jsonValue `json:"history,omitempty"`
}

// jsonRates are per second over the interval.
type jsonRates struct {
	Delivered         jsonValue `json:"delivered"`
	TransientFailures jsonValue `json:"transient_failures"`
	PermanentFailures jsonValue `json:"permanent_failures"`
	Received          jsonValue `json:"received"`
	Rejections        jsonValue `json:"rejections"`
	ProxyFailures     jsonValue `json:"proxy_failures"`
}

type jsonGauges struct {
	Scheduled          jsonValue `json:"scheduled"`
	Ready              jsonValue `json:"ready"`
	Messages           jsonValue `json:"messages"`
	Resident           jsonValue `json:"resident"`
	MemoryBytes        jsonValue `json:"memory_bytes"`
	MemoryLimitBytes   jsonValue `json:"memory_limit_bytes"`
	ConnectionsOut     jsonValue `json:"connections_out"`
	ConnectionsIn      jsonValue `json:"connections_in"`
	ProxyFailuresTotal jsonValue `json:"proxy_failures_total"`
}

type jsonThreadPool struct {
	Name        string      `json:"name"`
	Size        jsonValue   `json:"size"`
	Parked      jsonValue   `json:"parked"`
	BusyPercent jsonValue   `json:"busy_percent"`
	History     []jsonValue `json:"history,omitempty"`
}

type jsonLogHook struct {
	Logger    string      `json:"logger"`
	Backlog   jsonValue   `json:"backlog_total"`
	PerSecond jsonValue   `json:"backlog_per_second"`
	History   []jsonValue `json:"history,omitempty"`
}

type jsonSuspended struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

type jsonDisk struct {
	Name        string      `json:"name"`
	FreePercent jsonValue   `json:"free_percent"`
	History     []jsonValue `json:"history,omitempty"`
}

type jsonQueue struct {
	Queue   string      `json:"queue"`
	Ready   jsonValue   `json:"ready"`
	History []jsonValue `json:"history,omitempty"`
}

type jsonProvider struct {
	Provider          string      `json:"provider"`
	Queued            jsonValue   `json:"queued"`
	Delivered         jsonValue   `json:"delivered_per_second"`
	TransientFailures jsonValue   `json:"transient_failures_per_second"`
	PermanentFailures jsonValue   `json:"permanent_failures_per_second"`
	Connections       jsonValue   `json:"connections"`
	History           []jsonValue `json:"history,omitempty"`
}
