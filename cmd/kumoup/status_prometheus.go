package main

import (
	"context"
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
// served certificate's expiry when the handshake succeeds (a failed one is
// already a failing tls check; the metric is then left out).
func writeStatusPrometheus(ctx context.Context, w io.Writer, target *probes.Target, results []probes.Result, elapsed time.Duration) error {
	s := checkmetrics.Sweep{
		Results:  results,
		Finished: time.Now(),
		Elapsed:  elapsed,
		Domain:   target.Deployment.Domain,
	}
	if target.Deployment.Domain != "" {
		tctx, cancel := context.WithTimeout(ctx, target.Timeout)
		if exp, err := probes.CertificateExpiry(tctx, target); err == nil {
			s.CertificateExpiry = exp
		}
		cancel()
	}
	return checkmetrics.Write(w, s)
}
