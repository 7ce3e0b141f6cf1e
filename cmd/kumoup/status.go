package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// statusOptions are the flags of `kumoup status`. The token is never a
// flag: it is read from the token include under --root, or --token-file.
type statusOptions struct {
	root        string
	json        bool
	only        []string
	ignore      []string
	resolver    string
	caFile      string
	connectTo   []string
	timeout     time.Duration
	insecure    bool
	tokenFile   string
	list        bool
	fromOutside string
}

func newStatusCmd() *cobra.Command {
	var opt statusOptions
	cmd := &cobra.Command{
		Use:   "status [flags]",
		Short: "Check that the deployment is safe and works (edge, TLS, host, network, DNS)",
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
without a local deployment.

Exit status: 0 no check failed, 1 at least one failed, 2 bad usage or no
deployment found.`,
		Example: `  sudo kumoup status
  sudo kumoup status --json | jq '.checks[] | select(.status == "fail")'
  sudo kumoup status --only edge,tls --connect-to mta.example.com:443:127.0.0.1:443
  kumoup status --list
  kumoup status --from-outside mta.example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.root, "root", "", "read the deployment under DIR instead of /")
	f.BoolVar(&opt.json, "json", false, `print {"checks":[...],"summary":{...}} instead of the table`)
	f.StringSliceVar(&opt.only, "only", nil, "run only these checks (IDs or families: edge,tls.protocols)")
	f.StringSliceVar(&opt.ignore, "ignore", nil, "skip these checks (IDs or families)")
	f.StringVar(&opt.resolver, "resolver", "", "ask this DNS server, IP:PORT (default: the system's)")
	f.StringVar(&opt.caFile, "ca-file", "", "trust the CA(s) in this PEM file instead of the system roots")
	f.StringArrayVar(&opt.connectTo, "connect-to", nil, "connect to ADDR:PORT for HOST:PORT, given as HOST:PORT:ADDR:PORT like curl's (repeatable); TLS and Host keep HOST")
	f.DurationVar(&opt.timeout, "timeout", probes.DefaultTimeout, "each check's own time limit (the whole sweep gets twice that)")
	f.BoolVar(&opt.insecure, "insecure", false, "skip TLS verification (test setups only): TLS checks warn, the token is not sent")
	f.StringVar(&opt.tokenFile, "token-file", "", "file holding the injection token alone on one line (default: the nginx token include)")
	f.BoolVar(&opt.list, "list", false, "list the checks (after --only/--ignore) and exit")
	f.StringVar(&opt.fromOutside, "from-outside", "", "run the outside checks against NAME, from another network, without a local deployment")
	return cmd
}

func runStatus(cmd *cobra.Command, opt statusOptions) error {
	catalogue := probes.Catalogue()
	if opt.fromOutside != "" {
		catalogue = probes.OutsideCatalogue()
	}
	checks, err := probes.Select(catalogue, opt.only, opt.ignore)
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
	target, err := statusTarget(cmd, opt)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(cmd.Context(), 2*target.Timeout)
	defer cancel()
	start := time.Now()
	results := probes.Run(ctx, target, checks)
	elapsed := time.Since(start)
	results = probes.Redact(results, target.Deployment.InjectionToken, target.Deployment.WebhookToken)

	if opt.json {
		err = probes.WriteJSON(out, results)
	} else {
		err = probes.WriteText(out, results, probes.TextOptions{
			Profile: colorprofile.Detect(out, os.Environ()),
			Elapsed: elapsed,
		})
	}
	if err != nil {
		return failure(fmt.Errorf("write the report: %w", err))
	}
	if cmd.Context().Err() != nil {
		return silentExit(exitInterrupted)
	}
	if probes.Summarize(results).Fail > 0 {
		return silentExit(exitFailure)
	}
	return nil
}

// statusTarget builds what the checks know from the flags and the
// deployment on disk. Every error is a usage error (exit 2).
func statusTarget(cmd *cobra.Command, opt statusOptions) (*probes.Target, error) {
	if opt.timeout <= 0 {
		return nil, usageError(fmt.Errorf("--timeout %v: must be positive, like 5s", opt.timeout))
	}
	t := &probes.Target{Layout: writer.Layout{Root: opt.root}, Timeout: opt.timeout, Insecure: opt.insecure}

	if opt.fromOutside != "" {
		if opt.root != "" || opt.tokenFile != "" {
			return nil, usageError(errors.New("--from-outside checks a public name from another network: --root and --token-file do not apply"))
		}
		if err := model.ValidateDomain(opt.fromOutside); err != nil {
			return nil, usageError(fmt.Errorf("--from-outside %q: %w", opt.fromOutside, err))
		}
		t.Deployment = model.Deployment{Domain: opt.fromOutside}.WithDefaults()
	} else {
		d, err := writer.Load(t.Layout)
		switch {
		case errors.Is(err, writer.ErrNoDeployment):
			return nil, usageError(err)
		case err != nil && d.Domain == "":
			return nil, usageError(err)
		case err != nil:
			// A half-broken deployment is what status is for: say what
			// could not be read, and let the checks report the rest.
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v\n", err)
		}
		t.Deployment = d
	}

	if opt.tokenFile != "" {
		tok, err := readMetricsTokenFile(cmd.ErrOrStderr(), opt.tokenFile)
		if err != nil {
			return nil, usageError(err)
		}
		if err := model.ValidateToken(tok); err != nil {
			return nil, usageError(fmt.Errorf("--token-file %s: the token %w", opt.tokenFile, err))
		}
		t.Deployment.InjectionToken = tok
	}
	if opt.resolver != "" {
		if _, err := netip.ParseAddrPort(opt.resolver); err != nil {
			return nil, usageError(fmt.Errorf("--resolver %q: want IP:PORT, like 127.0.0.1:53 or [::1]:53", opt.resolver))
		}
		t.Resolver = opt.resolver
	}
	if opt.caFile != "" {
		pem, err := os.ReadFile(opt.caFile)
		if err != nil {
			return nil, usageError(fmt.Errorf("--ca-file: %w", err))
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageError(fmt.Errorf("--ca-file %s: no PEM certificate in it", opt.caFile))
		}
	}
	for _, spec := range opt.connectTo {
		from, to, err := probes.ParseConnectTo(spec)
		if err != nil {
			return nil, usageError(err)
		}
		if t.ConnectTo == nil {
			t.ConnectTo = map[string]string{}
		}
		if host, _, _ := net.SplitHostPort(from); !strings.EqualFold(host, t.Deployment.Domain) {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: --connect-to %s: %s is not the deployment's name %s\n", spec, host, t.Deployment.Domain)
		}
		t.ConnectTo[from] = to
	}
	return t, nil
}
