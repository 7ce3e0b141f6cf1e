package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/writer"
)

// diffOptions are the flags of `kumoup diff`.
type diffOptions struct {
	root string
}

func newDiffCmd() *cobra.Command {
	var opt diffOptions
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show hand edits to the managed files",
		Long: `diff compares every file kumoup manages with what
kumoup apply --answers /etc/kumoup/kumoup.yaml would write now (the saved
answers, the tokens on this host) and prints the differences as unified
diffs, every secret masked with its fingerprint. A file changed by hand
since the last apply is marked so (the state file records what each apply
wrote).

Exit status, like diff: 0 no difference, 1 differences, 2 trouble (no
deployment, unreadable files).`,
		Example: `  sudo kumoup diff
  kumoup diff --root /tmp/kumoup-tree`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDiff(cmd, opt) },
	}
	cmd.Flags().StringVar(&opt.root, "root", "", "compare the tree under DIR instead of /")
	return cmd
}

func runDiff(cmd *cobra.Command, opt diffOptions) error {
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	plan, err := writer.PlanSaved(cmd.Context(), layout)
	if err != nil {
		// Like diff, trouble is 2, whatever it is.
		return usageError(err)
	}
	var b bytes.Buffer
	if err := plan.RenderDiff(&b); err != nil {
		return usageError(err)
	}
	if _, err := cmd.OutOrStdout().Write(b.Bytes()); err != nil {
		return usageError(err)
	}
	if plan.Changed() > 0 {
		return silentExit(exitFailure)
	}
	return nil
}
