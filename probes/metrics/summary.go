package metrics

import "time"

// Stat is one value the dashboard shows, with its recent history.
type Stat struct {
	Value float64
	// Known is false when kumod did not report the value, or, for a rate,
	// before the second scrape.
	Known   bool
	History Ring // one entry per scrape where Known, oldest first
}

// Summary is what the metrics pane shows after a scrape: everything kcli top
// shows, and what this deployment needs besides. It is a plain value with
// no I/O; rates are per second over the interval since the previous scrape.
type Summary struct {
	At       time.Time     // when the scrape was taken
	Interval time.Duration // since the previous good scrape; 0 on the first
	Samples  int           // samples in the exposition, of every family (one per sample line)
	Bytes    int           // size of the exposition
	// Reference is true when this scrape was parsed with expfmt because it
	// used syntax the fast path leaves to the reference parser.
	Reference bool

	// As in kcli top.
	Delivered     Stat // messages delivered per second (smtp_client rollup)
	Transfail     Stat // transient failures per second (smtp_client rollup)
	Failed        Stat // permanent failures per second (smtp_client rollup)
	Received      Stat // messages received per second (all listeners)
	Scheduled     Stat // scheduled_count_total
	Ready         Stat // messages in ready queues (sum over per-queue series)
	Messages      Stat // message_count
	Resident      Stat // message_data_resident_count
	Memory        Stat // memory_usage, bytes
	MemoryLimit   Stat // memory_limit, bytes
	OutboundConns Stat // connection_count{service="smtp_client"}
	InboundConns  Stat // connection_count{service="esmtp_listener"}
	Rejections    Stat // smtp_server_rejections{service="total"} per second
	ThreadPools   []ThreadPool

	// What this deployment needs besides.
	Webhooks           []LogHook         // log_hook_backlog_count per logger
	ProxyFailures      Stat              // proxy_connection_failures per second
	ProxyFailuresTotal float64           // proxy_connection_failures since kumod started
	Suspended          []SuspendedSource // egress sources auto-suspended now
	Disks              []DiskFree        // disk_free_percent per monitored location
	TopQueues          []QueueVolume     // ready queues with the most messages, largest first
	TopProviders       []ProviderVolume  // providers with the most queued messages, largest first
}

// ThreadPool is one of kumod's thread pools.
type ThreadPool struct {
	Name         string
	Size, Parked float64
	Busy         Stat // percent of threads not parked: (size-parked)/size*100
}

// LogHook is a log hook (the deployment's webhook is "hook-<name>"):
// log_hook_backlog_count counts the times processing an event hit back
// pressure, so a rising count means events are waiting to reach the app.
type LogHook struct {
	Logger    string
	Total     Stat // the counter's value
	PerSecond Stat // its rate
}

// SuspendedSource is an egress source kumod has auto-suspended.
type SuspendedSource struct {
	Source, Reason string
}

// DiskFree is the free space of a location kumod monitors.
type DiskFree struct {
	Name    string
	Percent Stat
}

// QueueVolume is a ready queue (its service label, e.g.
// "smtp_client:ip-1->gmail.com@smtp_client") and how many messages it holds.
type QueueVolume struct {
	Queue string
	Ready Stat
}

// ProviderVolume is a provider's queued messages, delivery rates and
// connections (the *_by_provider series).
type ProviderVolume struct {
	Provider                     string
	Queued                       Stat
	Delivered, Transfail, Failed float64 // per second; 0 before the second scrape
	Connections                  float64
}
