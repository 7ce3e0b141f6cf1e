package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
	"github.com/kumoup/kumoup/writer"
)

// metricsOptions are the flags of `kumoup metrics`. The token is never a
// flag: it is read from the nginx token include under --root, or from
// --token-file.
type metricsOptions struct {
	target     probes.TargetOptions
	url        string
	file       string
	dump       bool
	json       bool
	history    bool
	watch      bool
	interval   time.Duration
	timeout    time.Duration
	maxBodyMiB int64
}

func newMetricsCmd() *cobra.Command {
	var opt metricsOptions
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Summarize kumod's /metrics via nginx",
		Long: `metrics scrapes KumoMTA's Prometheus endpoint through the authenticated
nginx front and prints what kcli top shows (rates over one interval), plus
webhook back-pressure, proxy failures, suspended egress sources, disk free
space and the biggest ready queues and providers.

The endpoint and token come from the deployment, as for kumoup status: the
answers in /etc/kumoup/kumoup.yaml and the nginx token include (under
--root when given). --url scrapes another endpoint and --token-file gives
its token; the token is never a flag value and never printed. It is sent
only over verified HTTPS (so not with --insecure), and the deployment's
token only to the deployment's name.

--json prints the summary as JSON (add --history for each value's recent
history). --dump prints expfmt's parse of the exposition instead: one line
per sample, "FAMILY TYPE SERIES VALUE", sorted. --file reads a saved
exposition instead of scraping. --watch prints a summary every interval
until interrupted (with --json, one document per line).

Exit status: 0 success, 1 the scrape failed, 2 bad usage or no deployment
found, 130 interrupted (--watch ends with ctrl+c).`,
		Example: `  sudo kumoup metrics
  sudo kumoup metrics --watch
  sudo kumoup metrics --json | jq .top_queues
  kumoup metrics --url https://mta.example.com/metrics --token-file ~/metrics.token
  sudo kumoup metrics --connect-to mta.example.com:443:127.0.0.1:443 --dump
  kumoup metrics --file saved-metrics.txt --dump`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMetrics(cmd, opt) },
	}
	f := cmd.Flags()
	bindTargetFlags(cmd, &opt.target, false)
	f.StringVar(&opt.url, "url", "", "scrape this endpoint instead of the deployment's, e.g. https://mta.example.com/metrics")
	f.StringVar(&opt.file, "file", "", "read a saved exposition from this file instead of scraping")
	f.BoolVar(&opt.dump, "dump", false, "print expfmt's parse of the exposition, one sample per line, sorted")
	f.BoolVar(&opt.json, "json", false, "print the summary as JSON: rates, gauges, pools, hooks, disks, top queues and providers")
	f.BoolVar(&opt.history, "history", false, "with --json: add each value's recent history, oldest first")
	f.BoolVar(&opt.watch, "watch", false, "print the summary every interval until interrupted")
	f.DurationVar(&opt.interval, "interval", metrics.DefaultInterval, "time between scrapes")
	f.DurationVar(&opt.timeout, "timeout", 0, "deadline of each scrape; 0 means three quarters of the interval")
	f.Int64Var(&opt.maxBodyMiB, "max-body", metrics.DefaultMaxBody>>20, "largest exposition accepted, MiB after decompression (with --dump, 64 unless given)")
	return cmd
}

// metricsSource is where `kumoup metrics` reads the exposition: a saved
// file or a scrape.
type metricsSource struct {
	name string // the file or the URL scraped
	// secrets are what the output must never show: the target's tokens
	// (for --file, those of the deployment on this host when it can be
	// read).
	secrets []string
	// whole fetches the exposition whole, for --dump.
	whole func(ctx context.Context) ([]byte, error)
	// summarize streams the exposition into z.
	summarize func(ctx context.Context, z *metrics.Summarizer) (metrics.Summary, error)
	close     func()
}

func runMetrics(cmd *cobra.Command, opt metricsOptions) error {
	if err := checkMetricsFlags(opt); err != nil {
		return err
	}
	ctx := cmd.Context()
	src, err := newMetricsSource(cmd, opt)
	if err != nil {
		return err
	}
	defer src.close()
	// Everything an endpoint or a file said leaves through one redaction:
	// stdout and stderr line by line, errors as excerpts.
	rd := redact.New(src.secrets...)
	out, errw := rd.NewWriter(cmd.OutOrStdout()), rd.NewWriter(cmd.ErrOrStderr())
	defer out.Close()
	defer errw.Close()
	if opt.dump {
		body, err := src.whole(ctx)
		if err != nil {
			return metricsScrapeFailure(rd, err)
		}
		if err := metrics.Dump(out, bytes.NewReader(body)); err != nil {
			return failure(rd.Error(err))
		}
		return nil
	}
	write := func(s metrics.Summary) error {
		if opt.json {
			return metrics.WriteJSON(out, s, metrics.JSONOptions{Source: src.name, History: opt.history, Compact: opt.watch})
		}
		return metrics.WriteText(out, s, src.name)
	}
	z := metrics.NewSummarizer()
	// A live summary needs two scrapes one interval apart for its rates;
	// a saved file has only one.
	rounds := 2
	if opt.file != "" {
		rounds = 1
	}
	for i := 0; ; i++ {
		s, err := src.summarize(ctx, z)
		switch {
		case err != nil && ctx.Err() != nil:
			return silentExit(exitInterrupted)
		case err != nil && !opt.watch:
			return metricsScrapeFailure(rd, err)
		case err != nil:
			fmt.Fprintf(errw, "%s  %v\n", time.Now().Format(time.TimeOnly), describeScrapeError(rd, err))
		case opt.watch || i+1 >= rounds:
			if err := write(s); err != nil {
				return failure(fmt.Errorf("write the summary: %w", err))
			}
			if !opt.watch {
				return nil
			}
			if !opt.json {
				fmt.Fprintln(out)
			}
		default:
			fmt.Fprintf(errw, "sampling rates over %v...\n", opt.interval)
		}
		select {
		case <-ctx.Done():
			return silentExit(exitInterrupted)
		case <-time.After(opt.interval):
		}
	}
}

// checkMetricsFlags rejects combinations that cannot mean anything.
func checkMetricsFlags(opt metricsOptions) error {
	switch {
	case opt.dump && (opt.json || opt.watch):
		return usageError(errors.New("--dump prints one parse of the exposition: --json and --watch do not apply"))
	case opt.history && !opt.json:
		return usageError(errors.New("--history adds histories to the JSON summary: use it with --json"))
	case opt.maxBodyMiB <= 0:
		return usageError(fmt.Errorf("--max-body %d: must be a positive number of MiB", opt.maxBodyMiB))
	case opt.file != "" && (opt.url != "" || opt.target.Root != "" || opt.target.TokenFile != "" || opt.target.CAFile != "" || opt.target.Insecure || len(opt.target.ConnectTo) > 0):
		return usageError(errors.New("--file reads a saved exposition: --url, --root, --token-file, --ca-file, --insecure and --connect-to do not apply"))
	}
	return nil
}

// newMetricsSource builds the exposition source the flags describe.
func newMetricsSource(cmd *cobra.Command, opt metricsOptions) (metricsSource, error) {
	maxBody := opt.maxBodyMiB << 20
	if opt.dump && !cmd.Flags().Changed("max-body") {
		// --dump holds the exposition whole for expfmt: a smaller default.
		maxBody = min(maxBody, metrics.DumpMaxBody)
	}
	if opt.file != "" {
		d, _ := writer.Load(writer.Layout{})
		return metricsSource{
			name:    opt.file,
			secrets: []string{d.InjectionToken, d.WebhookToken},
			whole: func(ctx context.Context) ([]byte, error) {
				b, err := metrics.ReadFile(ctx, opt.file, maxBody)
				if err != nil {
					return nil, fmt.Errorf("--file: %w", err)
				}
				return b, nil
			},
			summarize: func(ctx context.Context, z *metrics.Summarizer) (metrics.Summary, error) {
				s, err := metrics.SummarizeFile(ctx, z, time.Now(), opt.file, maxBody)
				if err != nil {
					return s, fmt.Errorf("--file: %w (run with --dump to see what expfmt makes of it)", err)
				}
				return s, nil
			},
			close: func() {},
		}, nil
	}
	o := opt.target
	o.Endpoint, o.RequireToken = opt.url, true
	t, err := newTarget(cmd.ErrOrStderr(), o)
	if errors.Is(err, writer.ErrNoDeployment) {
		err = usageError(fmt.Errorf("%w; or scrape an endpoint with --url and --token-file, or read a saved exposition with --file", errors.Unwrap(err)))
	}
	if err != nil {
		return metricsSource{}, err
	}
	e := metrics.Endpoint{URL: opt.url}
	if o.TokenFile != "" {
		// The operator chose this token for --url: it goes there whatever
		// its host (still only over verified https).
		e.Token = t.Deployment.InjectionToken
	}
	cfg, withheld, err := metrics.ConfigFor(t, e)
	if err != nil {
		return metricsSource{}, usageError(err)
	}
	if withheld != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", withheld)
	}
	cfg.Interval, cfg.Timeout, cfg.MaxBody = opt.interval, opt.timeout, maxBody
	s, err := metrics.NewScraper(cfg)
	if err != nil {
		return metricsSource{}, usageError(err)
	}
	return metricsSource{
		name:      cfg.URL,
		secrets:   []string{t.Deployment.InjectionToken, t.Deployment.WebhookToken, e.Token},
		whole:     s.Scrape,
		summarize: s.Refresh,
		close:     s.Close,
	}, nil
}

// describeScrapeError is the scrape error for the operator: what the
// endpoint or the file said (headers, body, parse errors) redacted and cut
// to an excerpt, then kumoup's own remedy.
func describeScrapeError(rd *redact.Redactor, err error) string {
	var se *metrics.ScrapeError
	if errors.As(err, &se) {
		return rd.Excerpt(se.Error()) + "\n  fix: " + se.Remedy()
	}
	return rd.Excerpt(err.Error())
}

func metricsScrapeFailure(rd *redact.Redactor, err error) error {
	return failure(errors.New(describeScrapeError(rd, err)))
}
