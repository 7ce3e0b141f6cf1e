package main

import (
	"context"

	"github.com/kumoup/kumoup/internal/demo"
	"github.com/kumoup/kumoup/probes/metrics"
	"github.com/kumoup/kumoup/ui"
)

// runDemoUI runs the wizard (or, with --dashboard, the dashboard) on the
// demo: prefilled with its answers, writing into its pretend host, watching
// its loopback deployment, which is reloaded with the answers the wizard
// writes.
func runDemoUI(ctx context.Context, env *demo.Env, opt demoOptions) error {
	d, target := env.Deployment, env.Target()
	// Without nginx the scrape goes to the demo's token check; its token
	// is the deployment's, so that it follows the wizard's answers.
	scrapeURL, _ := env.Scrape()
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
		Scrape:        metrics.Config{URL: scrapeURL},
		// Once the wizard wrote its answers, the demo's nginx serves them.
		AfterApply:      env.Reload,
		AfterApplyLabel: env.ReloadLabel(),
		Demo:            true,
		KumodNote:       "stand-in kumod serving simulated traffic on " + env.Kumod.Addr(),
	}))
}
