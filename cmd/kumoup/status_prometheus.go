package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/checkmetrics"
)

// statusFormat is the report format --format and --json ask for.
func statusFormat(opt statusOptions) (string, error) {
	switch {
	case opt.json && opt.format != "text" && opt.format != "json":
		return "", fmt.Errorf("--json and --format %s disagree: give one of them", opt.format)
	case opt.json:
		return "json", nil
	}
	switch opt.format {
	case "text", "json", "prometheus":
		return opt.format, nil
	}
	return "", fmt.Errorf("--format %q: use text, json or prometheus", opt.format)
}

// writeStatusPrometheus writes the sweep as Prometheus metrics, with the
// served certificate's expiry the sweep saw (zero when the handshake
// failed, already a failing tls check: the metric is then left out).
func writeStatusPrometheus(w io.Writer, target *probes.Target, results []probes.Result, expiry time.Time, elapsed time.Duration) error {
	return checkmetrics.Write(w, checkmetrics.Sweep{
		Results:           results,
		Finished:          time.Now(),
		Elapsed:           elapsed,
		Domain:            target.Deployment.Domain,
		CertificateExpiry: expiry,
	})
}
