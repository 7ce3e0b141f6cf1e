package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/ui"
)

// dashboardOptions are the flags of `kumoup dashboard`.
type dashboardOptions struct {
	target         probes.TargetOptions
	scrapeInterval time.Duration
	checkInterval  time.Duration
}

func newDashboardCmd() *cobra.Command {
	var o dashboardOptions
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Watch live metrics and checks",
		Long: `dashboard shows kumod's metrics, scraped through nginx with the
deployment's token, next to every check of kumoup status, re-run on r
and periodically. Keys: tab switches pane, arrows select a check, r
re-runs the checks, ? shows every key, q quits.

Needs a terminal; without one use kumoup status and kumoup metrics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(cmd, o)
		},
	}
	f := cmd.Flags()
	bindTargetFlags(cmd, &o.target, true)
	f.DurationVar(&o.scrapeInterval, "scrape-interval", ui.DefaultScrapeInterval, "time between metrics scrapes")
	f.DurationVar(&o.checkInterval, "check-interval", ui.DefaultCheckInterval, "time between runs of the checks")
	return cmd
}

func runDashboard(cmd *cobra.Command, o dashboardOptions) error {
	if ui.CheckTTY() != nil {
		return usageError(errors.New("no terminal: the interactive UI needs one (ssh -t, not cron or a pipe); for automation use `kumoup metrics`, and `kumoup status` to verify a deployment"))
	}
	o.target.RequireToken = true
	t, err := newTarget(cmd.ErrOrStderr(), o.target)
	if err != nil {
		return err
	}
	d := t.Deployment
	err = ui.Run(cmd.Context(), ui.Options{
		Start:          ui.StartDashboard,
		Layout:         t.Layout,
		Prefill:        &d,
		PrefillSource:  t.Layout.AnswersFile(),
		Target:         t,
		ScrapeInterval: o.scrapeInterval,
		CheckInterval:  o.checkInterval,
	})
	return uiResult(err)
}
