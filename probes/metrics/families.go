package metrics

// family identifies one metric family the Summary reads. The fast path
// scans only lines of these families and skips every other line unread.
type family uint8

const (
	famNone                  family = iota
	famDelivered                    // total_messages_delivered{service}
	famTransfail                    // total_messages_transfail{service}
	famFailed                       // total_messages_fail{service}
	famReceived                     // total_messages_received{service}
	famScheduledTotal               // scheduled_count_total
	famReady                        // ready_count{service}
	famMessages                     // message_count
	famResident                     // message_data_resident_count
	famMemory                       // memory_usage
	famMemoryLimit                  // memory_limit
	famConnections                  // connection_count{service}
	famRejections                   // smtp_server_rejections{service}
	famPoolSize                     // thread_pool_size{pool}
	famPoolParked                   // thread_pool_parked{pool}
	famHookBacklog                  // log_hook_backlog_count{logger}
	famProxyFailures                // proxy_connection_failures
	famSuspended                    // egress_source_health_suspended{source,reason}
	famDiskFree                     // disk_free_percent{name}
	famQueuedByProvider             // queued_count_by_provider{provider}
	famDeliveredByProvider          // total_messages_delivered_by_provider{provider}
	famTransfailByProvider          // total_messages_transfail_by_provider{provider}
	famFailedByProvider             // total_messages_fail_by_provider{provider}
	famConnectionsByProvider        // connection_count_by_provider{provider}
	numFamilies
)

// familyNames are the metric names of the families, indexed by family.
var familyNames = [numFamilies]string{
	famDelivered:             "total_messages_delivered",
	famTransfail:             "total_messages_transfail",
	famFailed:                "total_messages_fail",
	famReceived:              "total_messages_received",
	famScheduledTotal:        "scheduled_count_total",
	famReady:                 "ready_count",
	famMessages:              "message_count",
	famResident:              "message_data_resident_count",
	famMemory:                "memory_usage",
	famMemoryLimit:           "memory_limit",
	famConnections:           "connection_count",
	famRejections:            "smtp_server_rejections",
	famPoolSize:              "thread_pool_size",
	famPoolParked:            "thread_pool_parked",
	famHookBacklog:           "log_hook_backlog_count",
	famProxyFailures:         "proxy_connection_failures",
	famSuspended:             "egress_source_health_suspended",
	famDiskFree:              "disk_free_percent",
	famQueuedByProvider:      "queued_count_by_provider",
	famDeliveredByProvider:   "total_messages_delivered_by_provider",
	famTransfailByProvider:   "total_messages_transfail_by_provider",
	famFailedByProvider:      "total_messages_fail_by_provider",
	famConnectionsByProvider: "connection_count_by_provider",
}

var (
	familyByName = map[string]family{}
	// baseNames are the names X whose histogram or summary family would
	// absorb a watched X_count, X_sum or X_bucket line in expfmt's reading.
	baseNames = map[string]bool{}
)

func init() {
	for f := famNone + 1; f < numFamilies; f++ {
		name := familyNames[f]
		familyByName[name] = f
		for _, suffix := range []string{"_count", "_sum", "_bucket"} {
			if n := len(name) - len(suffix); n > 0 && name[n:] == suffix {
				baseNames[name[:n]] = true
			}
		}
	}
}

// String returns the family's metric name.
func (f family) String() string { return familyNames[f] }
