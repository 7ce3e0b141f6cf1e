package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/internal/demo"
)

// runDemoUI runs the wizard and dashboard on env. Until the terminal UI
// lands it waits for ctrl+c.
func runDemoUI(ctx context.Context, cmd *cobra.Command, env *demo.Env, opt demoOptions) error {
	fmt.Fprintln(cmd.ErrOrStderr(), "kumoup demo: running; press ctrl+c to stop")
	<-ctx.Done()
	return silentExit(exitInterrupted)
}
