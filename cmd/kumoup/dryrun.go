package main

import (
	"fmt"
	"io"

	"github.com/kumoup/kumoup/writer"
)

// dryRunNote ends what every --dry-run prints.
const dryRunNote = "\nDry run: nothing written."

// showDryRun plans files and shows the plan (each file's action and diff,
// secrets masked), writing nothing: the --dry-run of the commands that
// write rendered files (proxy, prometheus --install-timer).
func showDryRun(out io.Writer, files []writer.File) error {
	plan, err := writer.NewPlan(files)
	if err != nil {
		return failure(err)
	}
	if err := plan.Render(out); err != nil {
		return failure(err)
	}
	fmt.Fprintln(out, dryRunNote)
	return nil
}
