package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// proxyOptions are the flags of `kumoup proxy`.
type proxyOptions struct {
	answers string
	root    string
	dryRun  bool
	check   bool
	testMX  string
	json    bool
	timeout time.Duration
}

func newProxyCmd() *cobra.Command {
	var opt proxyOptions
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Set up or check the KumoProxy host",
		Long: `On a terminal without --answers, proxy opens the KumoProxy host's wizard:
preflight (root, proxy-server, the answers already in
/etc/kumoup/kumoup.yaml), one page of answers validated as you type, a
review of every file with its diff, the apply, and the next steps (f there
shows the firewall rules and loads them only after you type apply).
Without a terminal it exits 2: pass --answers FILE.

proxy writes the KumoProxy host's files from the answers (proxy_host,
proxy_port and the firewall: block; no tokens are needed on this host):

  /etc/systemd/system/kumoproxy.service
      proxy-server --listen on the private address, hardened
      (DynamicUser, ...)
  /opt/kumomta/etc/kumoproxy.lua
      only with firewall.proxy_status_listen: the status/metrics listener
      on loopback
  /etc/kumoup/nftables-proxy.nft
      the host's firewall (not loaded: kumoup firewall --host proxy --apply)

--check runs the proxy host's checks instead: the listener bound to the
private address (from /proc/net/tcp*), status ports on loopback only, the
live firewall equal to the rendered one, and with --test-mx an outbound
SMTP connection.

Exit status: 0 done (or every check passed), 1 nft refused the rules or a
write failed (or a check failed), 2 bad input, 130 --check interrupted.`,
		Example: `  sudo kumoup proxy
  sudo kumoup proxy --answers proxy-answers.yaml --dry-run
  sudo kumoup proxy --answers proxy-answers.yaml
  sudo kumoup proxy --answers proxy-answers.yaml --check --test-mx mx.example.net:25`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opt.check {
				return runProxyCheck(cmd, opt)
			}
			return runProxy(cmd, opt)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.answers, "answers", "", "answers file (default: /etc/kumoup/kumoup.yaml under --root)")
	f.StringVar(&opt.root, "root", "", "write under DIR instead of / (no root needed)")
	f.BoolVar(&opt.dryRun, "dry-run", false, "show the plan, write nothing")
	f.BoolVar(&opt.check, "check", false, "run the proxy host's checks instead of writing")
	f.StringVar(&opt.testMX, "test-mx", "", "with --check: an MX (HOST:25) to prove outbound SMTP works")
	f.BoolVar(&opt.json, "json", false, "with --check: print the results as JSON")
	f.DurationVar(&opt.timeout, "timeout", probes.DefaultTimeout, "with --check: each check's own time limit")
	return cmd
}

func runProxy(cmd *cobra.Command, opt proxyOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if opt.testMX != "" || opt.json {
		return usageError(errors.New("--test-mx and --json go with --check"))
	}
	if opt.answers == "" && !opt.dryRun {
		return proxyWizard(cmd.Context(), opt)
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	d, source, err := writer.ReadHostAnswers(opt.answers, layout)
	if err != nil {
		return usageError(err)
	}
	files, err := writer.RenderProxyHost(d, layout)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", source, err))
	}
	fw := files[len(files)-1]
	if err := rulesVerdict(errw, writer.HostProxy, writer.CheckRulesContent(cmd.Context(), fw.Content)); err != nil {
		return err
	}
	if opt.dryRun {
		return showDryRun(out, files)
	}
	if opt.root == "" {
		if err := writer.RequireRoot(layout); err != nil {
			return usageError(err)
		}
	}
	if _, err := writer.WriteFiles(cmd.Context(), files, out, errw); err != nil {
		return failure(err)
	}
	fmt.Fprintf(out, "\nNext steps on the KumoProxy host\n")
	fmt.Fprintf(out, "  1. systemctl daemon-reload && systemctl enable --now kumoproxy\n")
	fmt.Fprintf(out, "  2. kumoup firewall --host proxy%s --apply   (loads %s after a confirmation)\n", answersFlag(opt.answers), fw.Path)
	fmt.Fprintf(out, "  3. kumoup proxy%s --check --test-mx MX:25   (and on the MTA host, kumoup status checks proxy.socks5)\n", answersFlag(opt.answers))
	return nil
}

func runProxyCheck(cmd *cobra.Command, opt proxyOptions) error {
	out := cmd.OutOrStdout()
	if opt.dryRun {
		return usageError(errors.New("--check writes nothing: drop --dry-run"))
	}
	if opt.timeout <= 0 {
		return usageError(fmt.Errorf("--timeout %v: must be positive, like 5s", opt.timeout))
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	d, _, err := writer.ReadHostAnswers(opt.answers, layout)
	if err != nil {
		return usageError(err)
	}
	target := &probes.Target{Deployment: d, Layout: layout, Timeout: opt.timeout}
	checks := probes.ProxyHostCatalogue(probes.ProxyHostOptions{TestMX: opt.testMX})
	ctx, cancel := context.WithTimeout(cmd.Context(), 2*opt.timeout)
	defer cancel()
	start := time.Now()
	results := probes.Run(ctx, target, checks)
	if err := writeReport(out, results, opt.json, time.Since(start)); err != nil {
		return failure(err)
	}
	return reportExit(cmd.Context(), results)
}
