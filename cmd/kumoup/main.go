// Command kumoup sets up, verifies and watches a KumoMTA host behind nginx
// with a KumoProxy egress. Run `kumoup --help` for the commands.
package main

import (
	"context"
	"os"
	"syscall"

	"charm.land/fang/v2"
)

func main() {
	err := fang.Execute(context.Background(), newRootCmd(),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
		fang.WithErrorHandler(errorHandler),
		fang.WithVersion(versionString()),
	)
	os.Exit(exitCode(err))
}
