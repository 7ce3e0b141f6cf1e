package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/ui"
	"github.com/kumoup/kumoup/writer"
)

// setupOptions are the flags of `kumoup setup`.
type setupOptions struct {
	root string
	// The certificate step's, as kumoup cert's flags.
	staging   bool
	server    string
	resolver  string
	behindNAT bool
}

func newSetupCmd() *cobra.Command {
	var o setupOptions
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Run the setup wizard",
		Long: `setup runs the interactive wizard: preflight, the answers, a review of
every file with its masked diff, the apply, the app's connection values
and the next steps. On a host kumoup already set up, every field is
prefilled from the files on disk and the tokens are kept unless you
change them. There a new token is a rotation, as with kumoup rotate: the
old injection token stays accepted for token_grace (asked on the next
page), and kumod switches to a new webhook token only once you confirm
that the app accepts it.

On a fresh host (as root, without --root) the next steps include the
certificate: the wizard then does what kumoup cert does, with the same
flags: --staging or --server for the ACME server, --resolver for the DNS
pre-check, --behind-nat when the name's address forwards here. certbot
gets kumoup's environment (REQUESTS_CA_BUNDLE for a private ACME CA).

Needs a terminal. For automation use kumoup apply --answers FILE.`,
		Example: `  sudo kumoup setup
  sudo kumoup setup --staging
  kumoup setup --root /tmp/tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSetup(cmd.Context(), o, ui.StartWizard)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.root, "root", "", "write the files under DIR instead of /")
	f.BoolVar(&o.staging, "staging", false, "certificate step: Let's Encrypt's staging server (untrusted certificates): for trying")
	f.StringVar(&o.server, "server", "", "certificate step: ACME directory URL (default: Let's Encrypt)")
	f.StringVar(&o.resolver, "resolver", "", "ask this DNS server, IP:PORT, in the certificate's pre-check and the dashboard's checks (default: the system's)")
	f.BoolVar(&o.behindNAT, "behind-nat", false, "certificate step: the name's address is not on this host but forwards port 80 to it")
	return cmd
}

// runDefault is `kumoup` with no command: the wizard on a fresh host, the
// dashboard once a deployment exists.
func runDefault(cmd *cobra.Command, _ []string) error {
	return runSetup(cmd.Context(), setupOptions{}, ui.StartDashboard)
}

// runSetup starts the UI on the deployment under o.root: see uiOptions.
func runSetup(ctx context.Context, o setupOptions, start ui.Start) error {
	opt, err := uiOptions(o, start)
	if err != nil {
		return usageError(err)
	}
	if err := ui.CheckTTY(); err != nil {
		return usageError(err)
	}
	return uiResult(ui.Run(ctx, opt))
}

// uiOptions reads the deployment under o.root and chooses the first
// screen: the wizard from the defaults on a fresh host; with a deployment,
// the dashboard when start is the dashboard (`kumoup` alone), else
// the wizard prefilled from it. A deployment that is only partly readable
// prefills the wizard with what was read and says so.
func uiOptions(o setupOptions, start ui.Start) (ui.Options, error) {
	// An absolute root, as kumoup apply's: paths written inside files
	// (the token include, the environment file) must resolve wherever
	// nginx or systemd run.
	layout, err := writer.LayoutAt(o.root)
	if err != nil {
		return ui.Options{}, err
	}
	if err := checkCertFlags(o.staging, o.server, o.resolver); err != nil {
		return ui.Options{}, err
	}
	opt := ui.Options{
		Start:             ui.StartWizard,
		Layout:            layout,
		AllowRunNextSteps: layout.IsHost() && os.Geteuid() == 0,
		Cert:              ui.CertOptions{Server: o.server, Staging: o.staging, BehindNAT: o.behindNAT},
		Firewall:          firewallActions(layout),
		Farewell:          os.Stdout,
	}
	if o.resolver != "" {
		opt.Target = &probes.Target{Resolver: o.resolver}
	}
	d, err := writer.Load(layout)
	switch {
	case errors.Is(err, writer.ErrNoDeployment):
	case errors.Is(err, fs.ErrPermission):
		return opt, err
	case err != nil:
		opt.Prefill, opt.PrefillSource = &d, fmt.Sprintf("%s (incomplete: %v)", layout.AnswersFile(), err)
	default:
		opt.Prefill, opt.PrefillSource = &d, layout.AnswersFile()
		if start == ui.StartDashboard {
			opt.Start = ui.StartDashboard
		}
	}
	return opt, nil
}

// uiResult maps the UI's outcome to an exit code. Nothing secret is
// printed: the UI ran in the alternate screen and left no trace.
func uiResult(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ui.ErrAborted):
		msg := err.Error()
		if err == ui.ErrAborted {
			msg = "aborted: nothing was written"
		}
		fmt.Fprintln(os.Stderr, "kumoup: "+msg)
		return silentExit(exitInterrupted)
	}
	return failure(err)
}
