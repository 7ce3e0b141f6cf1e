package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/ui"
	"github.com/kumoup/kumoup/writer"
)

// dashboardOptions are the flags of `kumoup dashboard`.
type dashboardOptions struct {
	root           string
	caFile         string
	connectTo      []string
	scrapeInterval time.Duration
	checkInterval  time.Duration
}

func newDashboardCmd() *cobra.Command {
	var o dashboardOptions
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Watch the deployment: live metrics and checks",
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
	f.StringVar(&o.root, "root", "", "read the deployment under `DIR` instead of /")
	f.StringVar(&o.caFile, "ca-file", "", "trust the CA certificates in `FILE` (PEM) besides the system roots")
	f.StringArrayVar(&o.connectTo, "connect-to", nil, "dial `HOST:PORT:ADDR:PORT` instead of HOST:PORT (like curl); repeatable")
	f.DurationVar(&o.scrapeInterval, "scrape-interval", ui.DefaultScrapeInterval, "time between metrics scrapes")
	f.DurationVar(&o.checkInterval, "check-interval", ui.DefaultCheckInterval, "time between runs of the checks")
	return cmd
}

func runDashboard(cmd *cobra.Command, o dashboardOptions) error {
	if err := ui.CheckTTY(); err != nil {
		return usageError(errors.New(strings.Replace(err.Error(), "kumoup apply --answers FILE", "kumoup metrics", 1)))
	}
	layout := writer.Layout{Root: o.root}
	d, err := writer.Load(layout)
	if err != nil {
		return usageError(err)
	}
	t := &probes.Target{}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return usageError(fmt.Errorf("--ca-file: %w", err))
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return usageError(fmt.Errorf("--ca-file %s: no PEM certificate found", o.caFile))
		}
		t.RootCAs = pool
	}
	for _, c := range o.connectTo {
		from, to, err := parseConnectTo(c)
		if err != nil {
			return usageError(err)
		}
		if t.ConnectTo == nil {
			t.ConnectTo = map[string]string{}
		}
		t.ConnectTo[from] = to
	}
	err = ui.Run(cmd.Context(), ui.Options{
		Start:          ui.ScreenDashboard,
		Layout:         layout,
		Prefill:        &d,
		PrefillSource:  layout.AnswersFile(),
		Target:         t,
		ScrapeInterval: o.scrapeInterval,
		CheckInterval:  o.checkInterval,
	})
	return uiResult(err)
}

// parseConnectTo reads curl's HOST:PORT:ADDR:PORT ([::1] for IPv6).
func parseConnectTo(s string) (from, to string, err error) {
	bad := fmt.Errorf("--connect-to %q: want HOST:PORT:ADDR:PORT, e.g. mta.example.com:443:127.0.0.1:8443", s)
	host, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", bad
	}
	port, addr, ok := strings.Cut(rest, ":")
	if !ok || host == "" || port == "" {
		return "", "", bad
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil || h == "" || p == "" {
		return "", "", bad
	}
	return net.JoinHostPort(host, port), net.JoinHostPort(h, p), nil
}
