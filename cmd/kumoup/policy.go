package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// policyValidateOptions are the flags of `kumoup policy validate`.
type policyValidateOptions struct {
	root string
	user string
}

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check the KumoMTA policy (init.lua)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyValidateCmd())
	return cmd
}

func newPolicyValidateCmd() *cobra.Command {
	var opt policyValidateOptions
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Run kumod --validate in the environment systemd gives it",
		Long: `validate checks the KumoMTA policy before a restart: it runs
/opt/kumomta/sbin/kumod --validate --policy /opt/kumomta/etc/policy/init.lua
(--user kumod when run as root, as the service does) with the environment
kumomta.service gives kumod: /opt/kumomta/etc/kumod.env when it exists, then
/etc/default/kumomta, which kumoup's drop-in loads. The values (the webhook
token among them) go into kumod's environment, never onto its command line,
and are masked in what kumod prints.

kumod --validate loads the policy, runs its init event without starting
listeners or the spool, and runs validate_config (policy-extras' checks of
sources, queues and DKIM data files).

Exit status: 0 the policy loads, 1 kumod rejected it (its output says why),
2 kumod or the environment file is missing or unreadable.`,
		Example: `  sudo kumoup policy validate
  kumoup policy validate --root /tmp/kumoup-tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPolicyValidate(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.root, "root", "", "the tree under DIR instead of / (kumod, init.lua and the environment file are looked for there)")
	f.StringVar(&opt.user, "user", "kumod", "kumod's --user when run as root (the unit's user)")
	return cmd
}

func runPolicyValidate(cmd *cobra.Command, opt policyValidateOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	fmt.Fprintf(errw, "running %s --validate …\n", layout.Kumod())
	v, err := probes.ValidatePolicy(cmd.Context(), layout, probes.ValidateOptions{User: opt.user})
	if err != nil {
		return usageError(err)
	}
	fmt.Fprintf(out, "command:     %s\n", strings.Join(v.Argv, " "))
	fmt.Fprintf(out, "environment: %s\n", strings.Join(v.EnvFiles, ", "))
	if s := strings.TrimRight(v.Output, "\n"); s != "" {
		fmt.Fprintln(out, s)
	}
	if !v.OK {
		fmt.Fprintf(out, "kumod rejected the policy: fix what it says above (`kumoup status` shows host.policy.wired's analysis), then run kumoup policy validate again\n")
		return silentExit(exitFailure)
	}
	fmt.Fprintln(out, "the policy loads: restart KumoMTA with systemctl daemon-reload && systemctl restart kumomta")
	return nil
}
