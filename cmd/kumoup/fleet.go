package main

import (
	"errors"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes/fleet"
	"github.com/kumoup/kumoup/ui"
)

// fleetOptions are the flags of `kumoup fleet`.
type fleetOptions struct {
	prometheus string
	interval   time.Duration
	window     time.Duration
}

func newFleetCmd() *cobra.Command {
	var opt fleetOptions
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Every MTA host at a glance (Prometheus)",
		Long: `fleet opens a live pane with one row per KumoMTA host that Prometheus
scrapes with the configuration ` + "`kumoup prometheus`" + ` renders: its checks
failing, the days left on its certificate, delivered and transient
failures per second, the webhook backlog and the age of the last sweep of
its checks. Rows are sorted worst first and refreshed every --interval;
enter on a host lists its failing checks.

fleet only reads Prometheus's HTTP API: nothing on the hosts is contacted,
and no token is needed.

Exit status: 0 when the operator quits, 2 bad usage or no terminal.`,
		Example: `  kumoup fleet --prometheus http://prometheus.example.com:9090`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runFleet(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.prometheus, "prometheus", os.Getenv("KUMOUP_PROMETHEUS"), "Prometheus's base URL, e.g. http://prometheus.example.com:9090 (env KUMOUP_PROMETHEUS)")
	f.DurationVar(&opt.interval, "interval", ui.DefaultFleetInterval, "time between refreshes")
	f.DurationVar(&opt.window, "rate-window", 2*time.Minute, "the range of the per-second rates (at least two scrape intervals)")
	return cmd
}

func runFleet(cmd *cobra.Command, opt fleetOptions) error {
	if opt.prometheus == "" {
		return usageError(errors.New("--prometheus is required: give Prometheus's base URL, e.g. --prometheus http://prometheus.example.com:9090"))
	}
	if opt.interval < time.Second {
		return usageError(errors.New("--interval must be at least 1s"))
	}
	client, err := fleet.New(opt.prometheus, nil)
	if err != nil {
		return usageError(err)
	}
	client.Window = opt.window
	if err := ui.CheckTTY(); err != nil {
		return usageError(err)
	}
	return ui.RunFleet(cmd.Context(), ui.FleetOptions{
		Source:   opt.prometheus,
		Fetch:    client.Fetch,
		Interval: opt.interval,
	})
}
