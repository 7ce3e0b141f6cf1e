package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/ui"
	"github.com/kumoup/kumoup/writer"
)

// firewallActions are the UI firewall screen's side effects on this host:
// ufw's status, the SSH guard of kumoup firewall --apply, and nft -f. Under
// a --root there is no loader: the screen shows the rules and says loading
// is disabled.
func firewallActions(l writer.Layout) ui.FirewallActions {
	a := ui.FirewallActions{
		UFWActive: func(ctx context.Context) (bool, error) { return writer.UFWActive(ctx, ufwProgram) },
		Guard:     sshGuard,
	}
	if l.IsHost() {
		a.Load = writer.LoadRules
	}
	return a
}

// confirmInUI replaces the y/N prompt of kumoup firewall --apply on a
// terminal: the rules, what they allow and block, and a typed confirmation
// before nft -f runs.
func confirmInUI(ctx context.Context, d model.Deployment, host writer.Host, l writer.Layout) error {
	err := ui.Run(ctx, ui.Options{
		Start:        ui.StartFirewall,
		FirewallHost: host,
		Layout:       l,
		Prefill:      &d,
		Firewall:     firewallActions(l),
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ui.ErrAborted), errors.Is(err, ui.ErrNotLoaded):
		return failure(errors.New("not loaded: not confirmed (type apply on the confirmation screen; without a terminal, pass --yes)"))
	}
	return failure(fmt.Errorf("not loaded: %w", err))
}

// proxyWizard is `kumoup proxy` on a terminal without --answers: the
// KumoProxy host's wizard, prefilled from the answers already on the host.
func proxyWizard(ctx context.Context, opt proxyOptions) error {
	if err := ui.CheckTTY(); err != nil {
		return usageError(errors.New("no terminal: the KumoProxy host's wizard needs one (ssh -t, not cron or a pipe); for automation use `kumoup proxy --answers FILE` (it may be /etc/kumoup/kumoup.yaml)"))
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	uopt := ui.Options{
		Start:             ui.StartProxyWizard,
		Layout:            layout,
		AllowRunNextSteps: layout.IsHost() && os.Geteuid() == 0,
		Firewall:          firewallActions(layout),
		Farewell:          os.Stdout,
	}
	if _, err := os.Stat(layout.AnswersFile()); err == nil {
		d, source, err := writer.ReadHostAnswers("", layout)
		if err != nil {
			return usageError(err)
		}
		uopt.Prefill, uopt.PrefillSource = &d, source
	}
	return uiResult(ui.Run(ctx, uopt))
}
