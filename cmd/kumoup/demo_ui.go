package main

import (
	"context"

	"github.com/kumoup/kumoup/internal/demo"
	"github.com/kumoup/kumoup/ui"
)

// runDemoUI runs the wizard (or, with --dashboard, the dashboard) on the
// demo: prefilled with its answers, writing into its pretend host, watching
// its loopback deployment, which is reloaded with the answers the wizard
// writes.
func runDemoUI(ctx context.Context, env *demo.Env, opt demoOptions) error {
	// The dashboard scrapes the deployment's own endpoint, as on a host:
	// Target routes its name to the demo's nginx, or without nginx to the
	// demo's token check.
	d, target := env.Deployment, env.Target()
	start := ui.StartWizard
	if opt.dashboard {
		start = ui.StartDashboard
	}
	return uiResult(ui.Run(ctx, ui.Options{
		Start:         start,
		Layout:        env.Layout,
		Prefill:       &d,
		PrefillSource: "demo answers",
		Target:        &target,
		Checks:        env.Checks(),
		// Once the wizard wrote its answers, the demo's nginx serves them.
		AfterApply:      env.Reload,
		AfterApplyLabel: env.ReloadLabel(),
		Demo:            true,
		KumodNote:       "stand-in kumod serving simulated traffic on " + env.Kumod.Addr(),
	}))
}
