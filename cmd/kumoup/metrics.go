package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
)

// metricsOptions are the flags of `kumoup metrics`. Until the deployment
// loader exists, the endpoint is given with --url and friends.
type metricsOptions struct {
	url        string
	tokenFile  string
	caFile     string
	insecure   bool
	connectTo  []string
	file       string
	dump       bool
	watch      bool
	interval   time.Duration
	timeout    time.Duration
	maxBodyMiB int64
}

func newMetricsCmd() *cobra.Command {
	var opt metricsOptions
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Scrape kumod's /metrics through nginx and summarize it",
		Long: `metrics scrapes KumoMTA's Prometheus endpoint through the authenticated
nginx front and prints what kcli top shows (rates over one interval), plus
webhook back-pressure, proxy failures, suspended egress sources, disk free
space and the biggest ready queues and providers.

--dump prints expfmt's parse of the exposition instead: one line per sample,
"FAMILY TYPE SERIES VALUE", sorted. --file reads a saved exposition instead
of scraping. The token is read from --token-file, never from the command line.`,
		Example: `  kumoup metrics --url https://mta.example.com/metrics --token-file /etc/kumoup/metrics.token
  kumoup metrics --url https://mta.example.com/metrics --token-file tok --connect-to mta.example.com:443:127.0.0.1:443 --watch
  kumoup metrics --file saved-metrics.txt --dump`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMetrics(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.url, "url", "", "metrics endpoint, e.g. https://mta.example.com/metrics")
	f.StringVar(&opt.tokenFile, "token-file", "", "file holding the bearer token (one line; keep it mode 600)")
	f.StringVar(&opt.caFile, "ca-file", "", "PEM file of the CA(s) to trust instead of the system roots")
	f.BoolVar(&opt.insecure, "insecure", false, "skip TLS certificate verification (test setups only)")
	f.StringArrayVar(&opt.connectTo, "connect-to", nil, "HOST:PORT:ADDR:PORT: connect to ADDR:PORT for HOST:PORT, keeping HOST for TLS and Host (like curl)")
	f.StringVar(&opt.file, "file", "", "read a saved exposition from this file instead of scraping")
	f.BoolVar(&opt.dump, "dump", false, "print expfmt's parse of the exposition, one sample per line, sorted")
	f.BoolVar(&opt.watch, "watch", false, "print the summary every interval until interrupted")
	f.DurationVar(&opt.interval, "interval", metrics.DefaultInterval, "time between scrapes")
	f.DurationVar(&opt.timeout, "timeout", 0, "deadline of each scrape (default three quarters of the interval)")
	f.Int64Var(&opt.maxBodyMiB, "max-body", metrics.DefaultMaxBody>>20, "largest exposition accepted, MiB after decompression")
	return cmd
}

// metricsFetch fetches one exposition: from the file or a scrape.
type metricsFetch func(ctx context.Context) ([]byte, error)

func runMetrics(cmd *cobra.Command, opt metricsOptions) error {
	ctx := cmd.Context()
	fetch, closeFn, err := metricsSource(cmd, opt)
	if err != nil {
		return err
	}
	defer closeFn()
	out := cmd.OutOrStdout()
	if opt.dump {
		body, err := fetch(ctx)
		if err != nil {
			return metricsScrapeFailure(err)
		}
		if err := metrics.Dump(out, bytes.NewReader(body)); err != nil {
			return failure(err)
		}
		return nil
	}
	z := metrics.NewSummarizer()
	// A live summary needs two scrapes one interval apart for its rates;
	// a saved file has only one.
	rounds := 2
	if opt.file != "" {
		rounds = 1
	}
	for i := 0; ; i++ {
		body, err := fetch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return silentExit(exitInterrupted)
			}
			if !opt.watch {
				return metricsScrapeFailure(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s  %v\n", time.Now().Format(time.TimeOnly), describeScrapeError(err))
		} else {
			s, err := z.Update(time.Now(), body)
			if err != nil {
				if !opt.watch {
					return failure(fmt.Errorf("%s: %w (run with --dump to see what expfmt makes of it)", metricsSourceName(opt), err))
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%s  %v\n", time.Now().Format(time.TimeOnly), err)
			} else if opt.watch || i+1 >= rounds {
				writeMetricsSummary(out, metricsSourceName(opt), s)
				if !opt.watch {
					return nil
				}
				fmt.Fprintln(out)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "sampling rates over %v...\n", opt.interval)
			}
		}
		select {
		case <-ctx.Done():
			return silentExit(exitInterrupted)
		case <-time.After(opt.interval):
		}
	}
}

func metricsSourceName(opt metricsOptions) string {
	if opt.file != "" {
		return opt.file
	}
	return opt.url
}

// metricsSource builds the exposition source the flags describe.
func metricsSource(cmd *cobra.Command, opt metricsOptions) (metricsFetch, func(), error) {
	if opt.file != "" {
		if opt.url != "" {
			return nil, nil, usageError(errors.New("--file and --url: give one source, a saved exposition or the endpoint"))
		}
		return func(context.Context) ([]byte, error) {
			b, err := os.ReadFile(opt.file)
			if err != nil {
				return nil, fmt.Errorf("--file: %w", err)
			}
			return b, nil
		}, func() {}, nil
	}
	if opt.url == "" {
		return nil, nil, usageError(errors.New("no metrics endpoint given: use --url (with --token-file), or --file for a saved exposition; the deployment loader is not wired into metrics yet"))
	}
	cfg := metrics.Config{URL: opt.url, Interval: opt.interval, Timeout: opt.timeout, InsecureSkipVerify: opt.insecure, MaxBody: opt.maxBodyMiB << 20}
	if opt.maxBodyMiB <= 0 {
		return nil, nil, usageError(fmt.Errorf("--max-body %d: must be a positive number of MiB", opt.maxBodyMiB))
	}
	if opt.tokenFile != "" {
		tok, err := readMetricsTokenFile(cmd.ErrOrStderr(), opt.tokenFile)
		if err != nil {
			return nil, nil, usageError(err)
		}
		cfg.Token = tok
	}
	if opt.caFile != "" {
		pem, err := os.ReadFile(opt.caFile)
		if err != nil {
			return nil, nil, usageError(fmt.Errorf("--ca-file: %w", err))
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, usageError(fmt.Errorf("--ca-file %s: no PEM certificate in it", opt.caFile))
		}
	}
	if len(opt.connectTo) > 0 {
		routes := map[string]string{}
		for _, spec := range opt.connectTo {
			from, to, err := probes.ParseConnectTo(spec)
			if err != nil {
				return nil, nil, usageError(err)
			}
			routes[from] = to
		}
		cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := routes[addr]; ok {
				addr = to
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	s, err := metrics.NewScraper(cfg)
	if err != nil {
		return nil, nil, usageError(err)
	}
	return s.Scrape, s.Close, nil
}

// readTokenFile reads a bearer token from its file, warning when other
// users can read it.
func readMetricsTokenFile(stderr io.Writer, path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	if fi.Mode().Perm()&0o044 != 0 {
		fmt.Fprintf(stderr, "warning: token file %s is readable by other users; chmod 600 %s\n", path, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, "\r\n \t") {
		return "", fmt.Errorf("--token-file %s: want the token alone on one line", path)
	}
	return tok, nil
}

func describeScrapeError(err error) string {
	var se *metrics.ScrapeError
	if errors.As(err, &se) {
		return se.Error() + "\n  fix: " + se.Remedy()
	}
	return err.Error()
}

func metricsScrapeFailure(err error) error {
	return failure(errors.New(describeScrapeError(err)))
}

// writeSummary prints a Summary as a few aligned blocks.
func writeMetricsSummary(w io.Writer, source string, s metrics.Summary) {
	rates := "rates need a second scrape"
	if s.Interval > 0 {
		rates = "rates over " + s.Interval.Round(time.Millisecond).String()
	}
	parser := ""
	if s.Reference {
		parser = ", parsed by expfmt"
	}
	fmt.Fprintf(w, "%s  %s  %d samples of %s%s, %s\n\n", s.At.Format(time.DateTime), source, s.Samples, metricsByteSize(float64(s.Bytes)), parser, rates)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "delivered\t%s\ttransient failures\t%s\tpermanent failures\t%s\n", metricsPerSec(s.Delivered), metricsPerSec(s.Transfail), metricsPerSec(s.Failed))
	fmt.Fprintf(tw, "received\t%s\trejections\t%s\tproxy failures\t%s (%s total)\n", metricsPerSec(s.Received), metricsPerSec(s.Rejections), metricsPerSec(s.ProxyFailures), metricsNumber(s.ProxyFailuresTotal))
	fmt.Fprintf(tw, "scheduled\t%s\tready\t%s\tmessages\t%s\n", metricsCount(s.Scheduled), metricsCount(s.Ready), metricsCount(s.Messages))
	fmt.Fprintf(tw, "resident\t%s\tmemory\t%s\tmemory limit\t%s\n", metricsCount(s.Resident), metricsBytes(s.Memory), metricsBytes(s.MemoryLimit))
	fmt.Fprintf(tw, "connections out\t%s\tconnections in\t%s\n", metricsCount(s.OutboundConns), metricsCount(s.InboundConns))
	tw.Flush()

	var pools []string
	for _, p := range s.ThreadPools {
		pools = append(pools, fmt.Sprintf("%s %s", p.Name, metricsPercent(p.Busy)))
	}
	metricsLine(w, "thread pools busy", pools)
	var disks []string
	for _, d := range s.Disks {
		disks = append(disks, fmt.Sprintf("%s %s", d.Name, metricsPercent(d.Percent)))
	}
	metricsLine(w, "disk free", disks)
	var hooks []string
	for _, h := range s.Webhooks {
		hooks = append(hooks, fmt.Sprintf("%s %s back-pressure hits, %s", h.Logger, metricsCount(h.Total), metricsPerSec(h.PerSecond)))
	}
	metricsLine(w, "log hooks", hooks)
	var sus []string
	for _, x := range s.Suspended {
		sus = append(sus, fmt.Sprintf("%s (%s)", x.Source, x.Reason))
	}
	metricsLine(w, "suspended sources", sus)

	if len(s.TopQueues) > 0 {
		fmt.Fprintln(w, "\ntop ready queues")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		for _, q := range s.TopQueues {
			fmt.Fprintf(tw, "  %s\t  %s\n", metricsCount(q.Ready), q.Queue)
		}
		tw.Flush()
	}
	if len(s.TopProviders) > 0 {
		fmt.Fprintln(w, "\ntop providers")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  provider\tqueued\tdelivered/s\ttransfail/s\tfailed/s\tconnections")
		for _, p := range s.TopProviders {
			fmt.Fprintf(tw, "  %s\t%s\t%.1f\t%.1f\t%.1f\t%s\n", p.Provider, metricsCount(p.Queued), p.Delivered, p.Transfail, p.Failed, metricsNumber(p.Connections))
		}
		tw.Flush()
	}
}

func metricsLine(w io.Writer, label string, items []string) {
	if len(items) == 0 {
		items = []string{"-"}
	}
	fmt.Fprintf(w, "%-18s %s\n", label, strings.Join(items, ", "))
}

func metricsPerSec(s metrics.Stat) string {
	if !s.Known {
		return "-"
	}
	return fmt.Sprintf("%.1f/s", s.Value)
}

func metricsCount(s metrics.Stat) string {
	if !s.Known {
		return "-"
	}
	return metricsNumber(s.Value)
}

func metricsPercent(s metrics.Stat) string {
	if !s.Known {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", s.Value)
}

func metricsBytes(s metrics.Stat) string {
	if !s.Known {
		return "-"
	}
	return metricsByteSize(s.Value)
}

func metricsNumber(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}

func metricsByteSize(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
