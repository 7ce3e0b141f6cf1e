package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// statusOptions are the flags of `kumoup status`. The token is never a
// flag: it is read from the token include under --root, or --token-file.
type statusOptions struct {
	target probes.TargetOptions
	json   bool
	format string
	output string
	only   []string
	ignore []string
	list   bool
}

func newStatusCmd() *cobra.Command {
	var opt statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Check the deployment is safe and works",
		Long: `status runs every check the deployment guides ask for by hand (curl, ss,
dig, stat), all at once, each under its own timeout, and prints one line per
check: ✓ pass, ! warn, ✗ fail, - skip, with what was asked and what came
back, and under each warning and failure the concrete fix.

The deployment is read from /etc/kumoup/kumoup.yaml, /etc/default/kumomta and
the nginx token include (under --root when given; --token-file overrides the
token). The token is sent only over verified HTTPS to the deployment's name,
never on a redirect, and never printed. --insecure (test setups only) skips
certificate verification: every TLS check then warns, and the token is not
sent at all.

--connect-to works like curl's: the name stays the same for TLS and Host,
the connection goes to ADDR:PORT, so a deployment can be checked on loopback.

--from-outside NAME runs the checks meant for another network against NAME,
without a local deployment. KumoProxy's port 5000 is probed on NAME, and
with --proxy IP on KumoProxy's own address too (its public or private IP,
whichever this network could reach).

--format prometheus writes the checks as Prometheus metrics instead
(kumoup_check_status: 0 pass, 1 warn, 2 fail, -1 skip; durations, the
certificate's expiry, the sweep's time, the build), and --output FILE
replaces FILE atomically (mode 0644) for node_exporter's textfile
collector: ` + "`kumoup prometheus --install-timer`" + ` runs that every minute.

Exit status: 0 no check failed, 1 at least one failed, 2 bad usage or no
deployment found.`,
		Example: `  sudo kumoup status
  sudo kumoup status --json | jq '.checks[] | select(.status == "fail")'
  sudo kumoup status --only edge,tls --connect-to mta.example.com:443:127.0.0.1:443
  kumoup status --list
  sudo kumoup status --format prometheus --output /var/lib/prometheus/node-exporter/kumoup.prom
  kumoup status --from-outside mta.example.com --proxy 203.0.113.7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd, opt) },
	}
	f := cmd.Flags()
	bindTargetFlags(cmd, &opt.target, true)
	f.BoolVar(&opt.json, "json", false, `print {"checks":[...],"summary":{...}} instead of the table (--format json)`)
	f.StringVar(&opt.format, "format", "text", "text, json or prometheus (the text exposition format, for node_exporter's textfile collector)")
	f.StringVar(&opt.output, "output", "", "write the report to FILE (replaced atomically, mode 0644) instead of stdout")
	f.StringSliceVar(&opt.only, "only", nil, "run only these checks (IDs or families: edge,tls.protocols)")
	f.StringSliceVar(&opt.ignore, "ignore", nil, "skip these checks (IDs or families)")
	f.BoolVar(&opt.list, "list", false, "list the checks (after --only/--ignore) and exit")
	f.StringVar(&opt.target.Outside, "from-outside", "", "run the outside checks against NAME, from another network, without a local deployment")
	f.StringVar(&opt.target.OutsideProxy, "proxy", "", "with --from-outside: also probe KumoProxy's port 5000 on this IP (its public or private address)")
	return cmd
}

func runStatus(cmd *cobra.Command, opt statusOptions) error {
	catalogue := probes.Catalogue()
	if opt.target.Outside != "" {
		catalogue = probes.OutsideCatalogue()
	}
	checks, err := probes.Select(catalogue, opt.only, opt.ignore)
	if err != nil {
		return usageError(err)
	}
	format, err := statusFormat(opt)
	if err != nil {
		return usageError(err)
	}
	out := cmd.OutOrStdout()
	if opt.list {
		if err := probes.WriteList(out, checks); err != nil {
			return failure(err)
		}
		return nil
	}
	target, err := newTarget(cmd.ErrOrStderr(), opt.target)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(cmd.Context(), 2*target.Timeout)
	defer cancel()
	start := time.Now()
	var results []probes.Result
	var expiry time.Time // the gauge's, from the sweep's own handshake
	if format == "prometheus" {
		results, expiry = probes.RunWithCertificateExpiry(ctx, target, checks)
	} else {
		results = probes.Run(ctx, target, checks)
	}
	elapsed := time.Since(start)

	report := out
	var file bytes.Buffer
	if opt.output != "" {
		report = &file
	}
	if format == "prometheus" {
		err = writeStatusPrometheus(report, target, results, expiry, elapsed)
		if err != nil {
			err = fmt.Errorf("write the report: %w", err)
		}
	} else {
		err = writeReport(report, results, format == "json", elapsed)
	}
	if err != nil {
		return failure(err)
	}
	// An interrupted sweep (cancelled checks) never replaces the file.
	if opt.output != "" && cmd.Context().Err() == nil {
		if err := writer.Publish(opt.output, file.Bytes(), 0o644); err != nil {
			return failure(fmt.Errorf("--output: %w", err))
		}
	}
	return reportExit(cmd.Context(), results)
}
