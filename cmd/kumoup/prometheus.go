package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// prometheusOptions are the flags of `kumoup prometheus`.
type prometheusOptions struct {
	hosts          []string
	root           string
	connectTo      []string
	caFile         string
	credentialsDir string
	rulesFile      string
	interval       string
	rules          bool
	printToken     bool
	tokenFile      string
	installTimer   bool
	output         string
	dryRun         bool
}

func newPrometheusCmd() *cobra.Command {
	var opt prometheusOptions
	cmd := &cobra.Command{
		Use:   "prometheus",
		Short: "Prometheus scrape config and alerts",
		Long: `prometheus renders what the operator's Prometheus needs to watch every
KumoMTA host kumoup set up, so many hosts are watched through Prometheus,
not through a daemon of kumoup's own.

With no mode flag it prints a prometheus.yml: per host (--host, repeatable;
default the deployment under --root) a kumomta job scraping kumod's
/metrics through nginx (HTTPS, TLS verification on, the bearer token read
from ` + writer.PrometheusCredentialsDir + `/HOST.token on the Prometheus server) and a
kumoup job scraping the exported checks from node_exporter (port 9100).
Both label the host instance="HOST".

--rules prints the alert rules (a check failing for 5 minutes, the
certificate expiring within 14 days, the checks stale, the webhook backlog
growing, KumoProxy connections failing, a scrape down); save them as
` + writer.PrometheusRulesPath + `.

--print-token writes this host's injection token to a pipe (never to a
terminal), for the Prometheus server's credentials file.

--install-timer writes, on the MTA host, kumoup-status.service and
kumoup-status.timer, which run ` + "`kumoup status --format prometheus`" + ` every minute
into node_exporter's textfile directory (` + writer.TextfileDir + `).

Exit status: 0 done, 1 a write failed, 2 bad input.`,
		Example: `  # On each MTA host:
  sudo kumoup prometheus --install-timer
  sudo systemctl daemon-reload && sudo systemctl enable --now kumoup-status.timer
  sudo kumoup prometheus --print-token | ssh prom.example.com \
    sudo install -D -o prometheus -g prometheus -m 0600 /dev/stdin /etc/prometheus/kumoup/mta1.example.com.token
  # For the Prometheus server:
  kumoup prometheus --host mta1.example.com --host mta2.example.com > prometheus.yml
  kumoup prometheus --rules > kumoup.rules.yml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPrometheus(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&opt.hosts, "host", nil, "an MTA host's name (repeatable; default: the deployment under --root)")
	f.StringVar(&opt.root, "root", "", "read the deployment (and install the timer) under DIR instead of /")
	f.StringArrayVar(&opt.connectTo, "connect-to", nil, "scrape HOST:443 (kumod through nginx) or HOST:9100 (node_exporter) at ADDR:PORT, as HOST:PORT:ADDR:PORT; TLS still verifies HOST")
	f.StringVar(&opt.caFile, "ca-file", "", "the CA bundle on the Prometheus server that verifies the hosts' certificates (default: its system roots)")
	f.StringVar(&opt.credentialsDir, "credentials-dir", writer.PrometheusCredentialsDir, "directory of the HOST.token files on the Prometheus server")
	f.StringVar(&opt.rulesFile, "rules-file", writer.PrometheusRulesPath, "the alert rules' path on the Prometheus server")
	f.StringVar(&opt.interval, "scrape-interval", "15s", "Prometheus's scrape and evaluation interval")
	f.BoolVar(&opt.rules, "rules", false, "print the alert rules instead of the scrape config")
	f.BoolVar(&opt.printToken, "print-token", false, "write this host's injection token to stdout, which must be a pipe or a file")
	f.StringVar(&opt.tokenFile, "token-file", "", "with --print-token: read the token from this 0600 file instead of the nginx token include")
	f.BoolVar(&opt.installTimer, "install-timer", false, "write kumoup-status.service and .timer (checks exported every minute)")
	f.StringVar(&opt.output, "output", "", "with --install-timer: the textfile the timer writes (default "+writer.TextfileDir+"/"+writer.TextfileName+")")
	f.BoolVar(&opt.dryRun, "dry-run", false, "with --install-timer: show the files and write nothing")
	return cmd
}

func runPrometheus(cmd *cobra.Command, opt prometheusOptions) error {
	modes := 0
	for _, on := range []bool{opt.rules, opt.printToken, opt.installTimer} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return usageError(errors.New("--rules, --print-token and --install-timer are separate modes: give one at a time"))
	}
	out := cmd.OutOrStdout()
	switch {
	case opt.rules:
		rules, err := writer.RenderPrometheusRules()
		if err != nil {
			return failure(err)
		}
		_, err = out.Write(rules)
		return writeError(err)
	case opt.printToken:
		return printToken(cmd, opt)
	case opt.installTimer:
		return installStatusTimer(cmd, opt)
	}
	hosts, err := prometheusHosts(opt)
	if err != nil {
		return usageError(err)
	}
	cfg, err := writer.RenderPrometheusConfig(hosts, writer.PrometheusOptions{CAFile: opt.caFile, RulesFile: opt.rulesFile, ScrapeInterval: opt.interval})
	if err != nil {
		return usageError(err)
	}
	_, err = out.Write(cfg)
	return writeError(err)
}

func writeError(err error) error {
	if err != nil {
		return failure(fmt.Errorf("write to stdout: %w", err))
	}
	return nil
}

// prometheusHosts are the hosts to scrape: --host, or the deployment's
// name; --connect-to moves a host's addresses.
func prometheusHosts(opt prometheusOptions) ([]writer.PrometheusHost, error) {
	names := opt.hosts
	if len(names) == 0 {
		layout, err := writer.LayoutAt(opt.root)
		if err != nil {
			return nil, err
		}
		a, err := writer.ReadAnswers(layout.AnswersFile())
		if err != nil {
			return nil, fmt.Errorf("no --host given and no deployment to read: %w (or give --host NAME for each MTA host)", err)
		}
		names = []string{a.Deployment.Domain}
	}
	hosts := make([]writer.PrometheusHost, len(names))
	for i, n := range names {
		hosts[i] = writer.PrometheusHost{Domain: n, CredentialsFile: filepath.Join(opt.credentialsDir, n+".token")}
	}
	for _, c := range opt.connectTo {
		from, to, err := probes.ParseConnectTo(c)
		if err != nil {
			return nil, err
		}
		host, port, _ := net.SplitHostPort(from)
		i := slices.IndexFunc(hosts, func(h writer.PrometheusHost) bool { return h.Domain == host })
		if i < 0 {
			return nil, fmt.Errorf("--connect-to %q: %s is not one of the hosts (%v): give --host %s", c, host, names, host)
		}
		switch port {
		case "443":
			hosts[i].Address = to
		case strconv.Itoa(writer.NodeExporterPort):
			hosts[i].TextfileAddress = to
		default:
			return nil, fmt.Errorf("--connect-to %q: port %s is neither nginx's 443 nor node_exporter's %d", c, port, writer.NodeExporterPort)
		}
	}
	return hosts, nil
}

// printToken writes the injection token alone on one line to stdout,
// refusing a terminal: the token goes into a pipe or a file, not the
// scrollback.
func printToken(cmd *cobra.Command, opt prometheusOptions) error {
	out := cmd.OutOrStdout()
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		return usageError(errors.New("--print-token writes a secret: pipe it (| ssh prom 'install -m 0600 /dev/stdin FILE') or redirect it to a 0600 file, not to a terminal"))
	}
	target, err := newTarget(io.Discard, probes.TargetOptions{Root: opt.root, TokenFile: opt.tokenFile, Timeout: probes.DefaultTimeout})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(out, target.Deployment.InjectionToken); err != nil {
		return writeError(err)
	}
	return nil
}

// installStatusTimer writes the systemd pair that exports the checks.
func installStatusTimer(cmd *cobra.Command, opt prometheusOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.EvalSymlinks(bin)
	}
	if err != nil {
		return failure(fmt.Errorf("find kumoup's own path for ExecStart: %w", err))
	}
	files, err := writer.RenderStatusTimer(layout, writer.StatusTimerOptions{Binary: bin, Output: opt.output, Root: layout.Root})
	if err != nil {
		return usageError(err)
	}
	if opt.dryRun {
		return showDryRun(out, files)
	}
	if err := writer.RequireRoot(layout); err != nil {
		return usageError(err)
	}
	if _, err := writer.WriteFiles(cmd.Context(), files, out, errw); err != nil {
		return failure(err)
	}
	textfile := opt.output
	if textfile == "" {
		textfile = filepath.Join(writer.TextfileDir, writer.TextfileName)
	}
	if _, err := os.Stat(layout.Path(filepath.Dir(textfile))); err != nil {
		fmt.Fprintf(errw, "warning: %s does not exist: install node_exporter (apt-get install prometheus-node-exporter) or give --output in its --collector.textfile.directory\n", filepath.Dir(textfile))
	}
	fmt.Fprintf(out, "\nNext: systemctl daemon-reload && systemctl enable --now kumoup-status.timer\n")
	return nil
}
