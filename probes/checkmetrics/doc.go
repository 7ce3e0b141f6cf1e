// Package checkmetrics writes a sweep of kumoup's checks as Prometheus
// metrics in the text exposition format, for node_exporter's textfile
// collector (`kumoup status --format prometheus --output FILE`) and so for
// the operator's Prometheus.
//
// The metrics, every one a gauge:
//
//	kumoup_check_status{check="edge.hsts",area="edge"}   0 pass, 1 warn, 2 fail, -1 skip
//	kumoup_check_duration_seconds{check,area}            how long the check took
//	kumoup_certificate_expiry_timestamp_seconds{domain}  NotAfter of the first served certificate to expire
//	kumoup_last_sweep_timestamp_seconds                  when the sweep ended (Unix seconds)
//	kumoup_last_sweep_duration_seconds                   how long the sweep took
//	kumoup_build_info{version,revision,goversion}        always 1
//
// The status encoding orders by severity, so `max by (instance)
// (kumoup_check_status)` is a host's worst state and `kumoup_check_status
// == 2` its failing checks; a skipped check (it could not run here) is -1,
// below a pass. area is the check ID up to its first dot.
//
// Label values are check IDs, the domain and build facts: never a detail,
// a remedy or anything a server said, so no secret can become a label.
package checkmetrics
