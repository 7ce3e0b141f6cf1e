// Command kumoup sets up, verifies and watches a KumoMTA host behind nginx
// with a KumoProxy egress. Run `kumoup --help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"charm.land/fang/v2"
)

func main() {
	os.Exit(mainExit(context.Background()))
}

// mainExit executes the command line and returns its exit code. SIGINT and
// SIGTERM cancel the commands' context; a command that then fails (its
// error is usually "context canceled") exits with exitInterrupted, as the
// README documents, whatever code its error carries. A second signal
// ends the process the default way.
func mainExit(ctx context.Context) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := fang.Execute(ctx, newRootCmd(),
		fang.WithErrorHandler(errorHandler),
		fang.WithVersion(versionString()),
	)
	if err != nil && ctx.Err() != nil {
		return exitInterrupted
	}
	return exitCode(err)
}
