package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// applyOptions are the flags of `kumoup apply`. Secrets are never flags:
// they come from the token files the answers name or from
// KUMOUP_INJECTION_TOKEN / KUMOUP_WEBHOOK_TOKEN.
type applyOptions struct {
	answers string
	root    string
	dryRun  bool
}

func newApplyCmd() *cobra.Command {
	var opt applyOptions
	cmd := &cobra.Command{
		Use:   "apply --answers FILE",
		Short: "Write the files from an answers file",
		Long: `apply reads an answers file (YAML, the deployment's field names; unknown
keys are errors), validates every answer, shows the plan (secrets masked)
and writes the files atomically, keeping a timestamped backup of each file
it replaces. Applying the same answers again changes nothing.

Tokens come from injection_token_file / webhook_token_file in the answers
(root-only files), else from $KUMOUP_INJECTION_TOKEN / $KUMOUP_WEBHOOK_TOKEN,
else the tokens already on this host are kept, else new ones are generated.

Exit status: 0 written (or nothing to do), 1 a write failed, 2 bad input
(every problem listed, nothing written), 130 interrupted.`,
		Example: `  sudo kumoup apply --answers examples/answers.yaml --dry-run
  sudo kumoup apply --answers /root/kumoup-answers.yaml
  kumoup apply --answers examples/answers.yaml --root /tmp/kumoup-tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runApply(cmd, opt)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.answers, "answers", "", "answers file (YAML); required")
	f.StringVar(&opt.root, "root", "", "write the tree under DIR instead of / (no root needed; owners are kept)")
	f.BoolVar(&opt.dryRun, "dry-run", false, "show the plan, write nothing")
	_ = cmd.MarkFlagRequired("answers")
	return cmd
}

func runApply(cmd *cobra.Command, opt applyOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}

	answers, err := writer.ReadAnswers(opt.answers)
	if err != nil {
		return usageError(err)
	}
	if err := writer.RequireRoot(layout); err != nil {
		return usageError(err)
	}
	d, sources, err := writer.ResolveTokens(answers, os.Getenv, layout)
	if err != nil {
		return usageError(err)
	}
	d = d.WithDefaults()
	problems := d.Validate()
	if !problems.OK() {
		printProblems(errw, opt.answers, problems)
		return silentExit(exitUsage)
	}
	printWarnings(errw, problems)

	sw, warnings := writer.DetectSoftware(cmd.Context(), layout, d)
	for _, w := range warnings {
		fmt.Fprintf(errw, "warning: %s\n", w)
	}
	plan, err := writer.PlanWith(d, layout, sw)
	if err != nil {
		return failure(err)
	}
	fmt.Fprintf(out, "Plan for %s (from %s)\n", d.Domain, opt.answers)
	fmt.Fprintf(out, "  injection token: %s, %s\n", sources.Injection, model.Fingerprint(d.InjectionToken))
	fmt.Fprintf(out, "  webhook token:   %s, %s\n", sources.Webhook, model.Fingerprint(d.WebhookToken))
	if sources.Retired != "" {
		fmt.Fprintf(out, "  retired injection token: %s\n", sources.Retired)
	}
	fmt.Fprintln(out)
	if err := plan.Render(out); err != nil {
		return failure(err)
	}
	if opt.dryRun {
		fmt.Fprintln(out, dryRunNote)
		return nil
	}

	report, err := plan.ApplyWithProgress(cmd.Context(), errw)
	if report != nil {
		fmt.Fprintln(out, "\nWritten")
		_ = report.Render(out)
	}
	if err != nil {
		return failure(fmt.Errorf("apply stopped: %w (every file is either as it was or fully written; see the list above)", err))
	}
	printConnection(cmd.Context(), out, d, layout)
	printCertNext(out, plan, layout)
	return nil
}

func printProblems(w io.Writer, file string, p model.Problems) {
	fmt.Fprintf(w, "%s: %d error(s), %d warning(s); nothing written\n", file, len(p.Errors), len(p.Warnings))
	for _, e := range p.Errors {
		fmt.Fprintf(w, "  error    %s\n", e.Error())
	}
	for _, e := range p.Warnings {
		fmt.Fprintf(w, "  warning  %s\n", e.Error())
	}
}

func printWarnings(w io.Writer, p model.Problems) {
	for _, e := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", e.Error())
	}
}

func printConnection(ctx context.Context, w io.Writer, d model.Deployment, l writer.Layout) {
	fmt.Fprintln(w)
	_ = writer.WriteAppConnection(w, d, l, probes.PolicyShape(ctx, l))
}
