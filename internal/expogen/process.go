package expogen

import (
	"math/rand/v2"
	"strconv"
)

// processState holds the process-wide values of one scrape.
type processState struct {
	memory, messages, resident, proxyFailures float64
}

// writeProcess writes the families that describe the kumod process as a
// whole: lua contexts, memory, message counts, latency histograms, the
// proxy failure counter and the scheduled total.
func writeProcess(e *exposition, ps processState, r *rand.Rand) {
	e.family("log_submit_latency", "histogram", "latency of log event submission operations")
	for _, logger := range []string{"dir-/var/log/kumomta", webhookLogger} {
		n := uint64(r.IntN(1e6))
		e.histogram("log_submit_latency", n, float64(n)*3.1e-05, "logger", logger)
	}
	e.family("lua_count", "gauge", "the number of lua contexts currently alive")
	e.sample("lua_count", float64(1+r.IntN(8)))
	e.family("lua_event_latency", "histogram", "how long a given lua event callback took")
	for _, ev := range []string{"context-creation", "init", "get_queue_config", "get_egress_path_config", "smtp_server_message_received", "should_enqueue_log_record"} {
		n := uint64(r.IntN(1e5))
		e.histogram("lua_event_latency", n, float64(n)*2.5e-4, "event", ev)
	}
	e.family("lua_load_count", "counter", "how many times the policy lua script has been loaded into a new context")
	e.sample("lua_load_count", float64(3+r.IntN(100)))
	e.family("memory_limit", "gauge", "soft memory limit measured in bytes")
	e.sample("memory_limit", 12884901888)
	e.family("memory_usage", "gauge", "number of bytes of used memory (Resident Set Size)")
	e.sample("memory_usage", ps.memory)
	e.family("message_count", "gauge", "Total number of Message objects.")
	e.sample("message_count", ps.messages)
	e.family("message_data_resident_count", "gauge", "Total number of Message objects with body data loaded.")
	e.sample("message_data_resident_count", ps.resident)
	e.family("message_meta_resident_count", "gauge", "Total number of Message objects with metadata loaded.")
	e.sample("message_meta_resident_count", ps.resident*2)
	e.family("process_cpu_usage_normalized", "gauge", "The sum of the process CPU usage for each CPU in the system, divided by the number of CPUs.")
	e.sample("process_cpu_usage_normalized", r.Float64()*100)
	e.family("proxy_connection_failures", "counter", "How many times a connection attempt to a proxy server has failed.")
	e.sample("proxy_connection_failures", ps.proxyFailures)
	e.family("queue_insert_latency", "histogram", "latency of QueueManager::insert operations")
	n := uint64(r.IntN(1e7))
	e.histogram("queue_insert_latency", n, float64(n)*1.7e-6)
}

// writeDisks writes disk_free_percent (and its byte and inode siblings) for
// each monitored location.
func writeDisks(e *exposition, pct []float64) {
	e.family("disk_free_bytes", "gauge", "number of available bytes in a monitored location")
	for i, d := range disks {
		e.sample("disk_free_bytes", pct[i]*2.6e8, "name", d)
	}
	e.family("disk_free_percent", "gauge", "percentage of available bytes in a monitored location")
	for i, d := range disks {
		e.sample("disk_free_percent", pct[i], "name", d)
	}
}

// writeEgressHealth writes egress_source_health_suspended, one series per
// source; a reason carries quotes so that label escaping is exercised.
func writeEgressHealth(e *exposition, sources []string, suspended []float64) {
	e.family("egress_source_health_suspended", "gauge", "`1` while an egress source is currently auto-suspended, `0` otherwise.")
	for i, s := range sources {
		e.sample("egress_source_health_suspended", suspended[i], "source", s, "reason", `connect failures: "421 4.7.0 try again later"`)
	}
}

// writeLogHooks writes log_hook_backlog_count and log_submit_full for the
// webhook logger and the local log directory.
func writeLogHooks(e *exposition, backlog float64, r *rand.Rand) {
	e.family("log_hook_backlog_count", "counter", "how many times processing of a log event hit the back_pressure in a hook")
	e.sample("log_hook_backlog_count", backlog, "logger", webhookLogger)
	e.family("log_submit_full", "counter", "how many times submission of a log event hit the back_pressure")
	e.sample("log_submit_full", float64(r.IntN(3)), "logger", "dir-/var/log/kumomta")
	e.sample("log_submit_full", float64(r.IntN(3)), "logger", webhookLogger)
}

// writeThreadPools writes thread_pool_parked and thread_pool_size.
func writeThreadPools(e *exposition, parked func(size float64) float64) {
	e.family("thread_pool_parked", "gauge", "number of parked (idle) threads in a thread pool")
	sizes := make([]float64, len(threadPools))
	for i, p := range threadPools {
		sizes[i] = p.size
		e.sample("thread_pool_parked", parked(p.size), "pool", p.name)
	}
	e.family("thread_pool_size", "gauge", "number of threads in a thread pool")
	for i, p := range threadPools {
		e.sample("thread_pool_size", sizes[i], "pool", p.name)
	}
}

// writeTokio writes the tokio runtime families kumod exposes, which the
// summary ignores; they make the scanner skip realistic unrelated lines.
func writeTokio(e *exposition, r *rand.Rand) {
	for i, name := range []string{"tokio_budget_forced_yield_count", "tokio_elapsed", "tokio_io_driver_ready_count", "tokio_num_remote_schedules", "tokio_total_busy_duration", "tokio_total_local_schedule_count", "tokio_total_noop_count", "tokio_total_overflow_count", "tokio_total_park_count", "tokio_total_polls_count", "tokio_total_steal_count", "tokio_total_steal_operations"} {
		e.family(name, "counter", "Tokio runtime metric "+strconv.Itoa(i)+".")
		e.sample(name, r.Float64()*1e6)
	}
	e.family("tokio_workers_count", "gauge", "The number of worker threads used by the runtime.")
	e.sample("tokio_workers_count", 2)
}
