package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/ui"
	"github.com/kumoup/kumoup/writer"
)

// firewallOptions are the flags of `kumoup firewall`.
type firewallOptions struct {
	answers string
	root    string
	host    string
	apply   bool
	yes     bool
	dryRun  bool
}

// ufwProgram is the ufw whose status the firewall command asks for; tests
// point it elsewhere.
var ufwProgram = "ufw"

func newFirewallCmd() *cobra.Command {
	var opt firewallOptions
	cmd := &cobra.Command{
		Use:   "firewall",
		Short: "Write (--apply: load) the nftables rules",
		Long: `firewall renders the host's nftables rules as a table of its own
(table inet kumoup), checks them with nft -c and writes them to
/etc/kumoup/nftables-HOST.nft. It never loads them unless --apply is given,
and then only after a confirmation (or --yes): on a terminal, a screen
with the rules and what they allow and block, where you type apply;
without one, a y/N question on stdin.

The rules: input policy drop, with replies, loopback, ICMP/ICMPv6, DHCP and
SSH (firewall.ssh_port) accepted first. MTA host: 80 from anywhere, 443 from
anywhere or firewall.app_addresses, kumod's 8000 never from outside
loopback; out, KumoProxy's port to proxy_host, no direct SMTP, DNS to
firewall.resolvers. KumoProxy host: its port from firewall.mta_addresses
only, status ports closed; out, 25 anywhere. firewall.outbound: strict also
drops every other outbound packet (see the README's ports table).

If ufw is active, kumoup loads nothing and prints the equivalent ufw
commands instead: two firewalls would each drop what the other accepts.

--apply refuses when nothing listens on the SSH port, or when this SSH
session came in on another port: it never locks the operator out.

Exit status: 0 done, 1 nft refused the rules or loading failed or not
confirmed, 2 bad input.`,
		Example: `  sudo kumoup firewall --host mta --dry-run
  sudo kumoup firewall --host mta
  sudo kumoup firewall --host mta --apply
  sudo kumoup firewall --host proxy --answers proxy-answers.yaml --apply --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFirewall(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.host, "host", "mta", "which host: mta (kumod and nginx) or proxy (KumoProxy)")
	f.StringVar(&opt.answers, "answers", "", "answers file (default: /etc/kumoup/kumoup.yaml under --root)")
	f.StringVar(&opt.root, "root", "", "write under DIR instead of / (cannot be combined with --apply)")
	f.BoolVar(&opt.dryRun, "dry-run", false, "print the rules, write and load nothing")
	f.BoolVar(&opt.apply, "apply", false, "load the rules with nft -f after a confirmation")
	f.BoolVar(&opt.yes, "yes", false, "with --apply: do not ask for confirmation (automation)")
	return cmd
}

func runFirewall(cmd *cobra.Command, opt firewallOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	host, err := writer.ParseHost(opt.host)
	if err != nil {
		return usageError(fmt.Errorf("--host: %w", err))
	}
	if opt.apply && opt.root != "" {
		return usageError(errors.New("--apply loads the rules into this host's kernel: it cannot be combined with --root"))
	}
	if opt.apply && opt.dryRun {
		return usageError(errors.New("--apply and --dry-run contradict each other: drop one"))
	}
	if opt.yes && !opt.apply {
		return usageError(errors.New("--yes only confirms --apply"))
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	d, source, err := writer.ReadHostAnswers(opt.answers, layout)
	if err != nil {
		return usageError(err)
	}
	// The same session as the setup's firewall screen: rendered, checked
	// with nft -c, ufw asked; loaded only after the confirmation.
	ctx := cmd.Context()
	s, err := writer.PrepareFirewall(ctx, d, host, layout, firewallActions(layout), false)
	if err != nil {
		return usageError(fmt.Errorf("%s: %w", source, err))
	}
	f := s.File
	if err := rulesVerdict(errw, host, s.CheckErr); err != nil {
		return err
	}
	if opt.dryRun {
		_, err := out.Write(f.Content)
		return err
	}
	if opt.root == "" {
		if err := writer.RequireRoot(layout); err != nil {
			return usageError(err)
		}
	}
	if _, err := writer.WriteFiles(ctx, []writer.File{f}, errw, errw); err != nil {
		return failure(err)
	}
	fmt.Fprintf(out, "# %s\n", f.Path)
	if _, err := out.Write(f.Content); err != nil {
		return failure(err)
	}

	if s.UFWErr != nil && !s.UFW {
		fmt.Fprintf(errw, "warning: %v\n", s.UFWErr)
	}
	if s.UFW {
		if s.UFWErr != nil {
			return usageError(s.UFWErr)
		}
		cmds := s.UFWCommands
		fmt.Fprintf(out, "\nufw is active on this host: kumoup does not load a second rule set (each would drop what the other accepts).\nThe same rules as ufw commands, in order:\n\n")
		for _, c := range cmds {
			fmt.Fprintf(out, "  %s\n", c)
		}
		if opt.apply {
			return failure(errors.New("not loaded: ufw is active; run the ufw commands above, or disable ufw (ufw disable) and run kumoup firewall --apply again"))
		}
		return nil
	}
	if !opt.apply {
		fmt.Fprintf(out, "\nNot loaded. Review the rules above (%s), then:\n  kumoup firewall --host %s%s --apply\n", f.Path, host, answersFlag(opt.answers))
		return nil
	}
	return loadRules(ctx, cmd.InOrStdin(), out, errw, s, opt.yes)
}

// answersFlag repeats --answers FILE in a suggested command.
func answersFlag(answers string) string {
	if answers == "" {
		return ""
	}
	return " --answers " + answers
}

// sshGuard is probes.SSHGuard for this process: its SSH session and the
// host's /proc.
func sshGuard(d model.Deployment) error {
	return probes.SSHGuard(d, "", os.Getenv("SSH_CONNECTION"))
}

func loadRules(ctx context.Context, in io.Reader, out, errw io.Writer, s *writer.FirewallSession, yes bool) error {
	d, host, path := s.Deployment, s.Host, s.File.Path
	if err := sshGuard(d); err != nil {
		return failure(fmt.Errorf("not loaded: %w", err))
	}
	if !yes && ui.CheckTTY() == nil {
		if err := confirmInUI(ctx, d, host, writer.Layout{}); err != nil {
			return err
		}
		loadedNote(out, errw, d, host, path)
		return nil
	}
	if !yes {
		fmt.Fprintf(out, "\nLoad %s into this host's firewall now? It replaces `table inet kumoup` and leaves other tables alone;\nSSH stays open on port %d. [y/N] ", path, d.Firewall.SSHPortOrDefault())
		line, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(out)
			return failure(errors.New("not loaded: not confirmed (answer y, or pass --yes)"))
		}
	}
	if res, err := s.Load(ctx, writer.ApplyOptions{}); err != nil {
		return failure(fmt.Errorf("%w: %s", err, bytes.TrimSpace(res)))
	}
	loadedNote(out, errw, d, host, path)
	return nil
}

// loadedNote says the rules are loaded and how to keep them at reboot.
func loadedNote(out, errw io.Writer, d model.Deployment, host writer.Host, path string) {
	fmt.Fprintf(out, "Loaded: `nft list table inet kumoup` shows the %s's rules.\n", host.Title())
	fmt.Fprintf(out, "They are lost at reboot unless /etc/nftables.conf has, after its `flush ruleset`:\n  include \"%s\"\nand nftables.service is enabled (systemctl enable nftables).\n", path)
	if host == writer.HostMTA && d.Domain != "" {
		fmt.Fprintf(errw, "Check from another network: kumoup status --from-outside %s\n", d.Domain)
	}
}
