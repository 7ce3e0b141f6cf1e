package main

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/internal/demo"
	"github.com/kumoup/kumoup/ui"
)

// demoOptions are `kumoup demo`'s flags.
type demoOptions struct {
	noNginx   bool
	keep      bool
	dashboard bool
}

func newDemoCmd() *cobra.Command {
	var opt demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try kumoup against a simulated KumoMTA",
		Long: `demo starts, on loopback high ports, a stand-in kumod serving simulated
traffic and, when nginx is installed, a real nginx with kumoup's generated
configuration and a throwaway certificate, all in a temporary directory.
Then it runs the setup wizard prefilled with demo answers (writing into that
directory, not into /etc) and the live dashboard against it.

Nothing on this host is changed, and everything the demo started stops when
it exits, ctrl+c included.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, opt) },
	}
	f := cmd.Flags()
	f.BoolVar(&opt.noNginx, "no-nginx", false, "do not start nginx even when installed: the dashboard reads the stand-in directly")
	f.BoolVar(&opt.keep, "keep", false, "keep the temporary directory (written files, nginx config) after exit")
	f.BoolVar(&opt.dashboard, "dashboard", false, "skip the wizard and open the dashboard")
	return cmd
}

func runDemo(cmd *cobra.Command, opt demoOptions) error {
	if err := ui.CheckTTY(); err != nil {
		return usageError(err)
	}
	// SIGINT and SIGTERM cancel cmd.Context() (fang); a closed terminal or
	// dropped SSH session (SIGHUP) stops the demo the same way.
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGHUP)
	defer stop()
	env, err := demo.Start(ctx, demo.Config{NoNginx: opt.noNginx, Keep: opt.keep, Prewrite: opt.dashboard})
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted while starting: Start stopped what it had started.
			return silentExit(exitInterrupted)
		}
		return failure(err)
	}
	defer env.Close()
	stderr := cmd.ErrOrStderr()
	fmt.Fprintln(stderr, "kumoup demo: nothing on this host is changed")
	for _, n := range env.Notes {
		fmt.Fprintln(stderr, "  "+n)
	}
	err = runDemoUI(ctx, env, opt)
	closeErr := env.Close()
	if opt.keep {
		fmt.Fprintf(stderr, "kumoup demo: stopped; files kept in %s\n", env.Dir)
	} else {
		fmt.Fprintln(stderr, "kumoup demo: stopped, temporary files removed")
	}
	switch {
	case err != nil:
		return err
	case closeErr != nil:
		return failure(closeErr)
	case ctx.Err() != nil:
		return silentExit(exitInterrupted)
	}
	return nil
}
