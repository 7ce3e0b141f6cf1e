package main

import (
	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/internal/helpfit"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kumoup",
		Short: "Set up, verify and watch a KumoMTA host behind nginx",
		Long: `kumoup sets up a KumoMTA host the way the deployment guides recommend:
kumod's HTTP listener on loopback, nginx in front with TLS and a bearer
token, only /api/inject/v1 and /metrics exposed, and mail leaving through
a KumoProxy SOCKS5 egress.

Run with no command on a terminal: the setup wizard on a fresh host, the
live dashboard once a deployment exists.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          runDefault,
	}
	root.AddCommand(
		newApplyCmd(),
		newCertCmd(),
		newStatusCmd(),
		newMetricsCmd(),
		newSetupCmd(),
		newDashboardCmd(),
		newDemoCmd(),
		newFirewallCmd(),
		newProxyCmd(),
		newPrometheusCmd(),
		newFleetCmd(),
		newPolicyCmd(),
		newRotateCmd(),
		newDiffCmd(),
	)
	// cobra adds its completion command when it runs: add it now, with a
	// description that fits the command list in 80 columns.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Short = "Print a shell's completion script"
		}
	}
	markUsageErrors(root)
	helpfit.FitFlagHelp(root)
	helpfit.FitExamples(root)
	return root
}
