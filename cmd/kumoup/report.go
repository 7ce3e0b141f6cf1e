package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// The output and exit status shared by the commands that run checks
// (kumoup status, kumoup proxy --check), and the verdict on rendered
// firewall rules shared by the commands that render them (kumoup firewall,
// kumoup proxy).

// writeReport prints results as JSON, or as text in the colours w
// supports, with the time the sweep took.
func writeReport(w io.Writer, results []probes.Result, json bool, elapsed time.Duration) error {
	var err error
	if json {
		err = probes.WriteJSON(w, results)
	} else {
		err = probes.WriteText(w, results, probes.TextOptions{
			Profile: colorprofile.Detect(w, os.Environ()),
			Elapsed: elapsed,
		})
	}
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// reportExit is a sweep's exit status once its report is out: 130 when
// ctx (the command's) was interrupted, 1 when a check failed, else 0.
func reportExit(ctx context.Context, results []probes.Result) error {
	if ctx.Err() != nil {
		return silentExit(exitInterrupted)
	}
	if probes.Summarize(results).Fail > 0 {
		return silentExit(exitFailure)
	}
	return nil
}

// rulesVerdict says on errw what nft -c made of host's rendered rules
// (checkErr, from writer.CheckRulesContent): valid, or not validated
// because nft is missing (a warning: the rules are still written), or
// refused, which is a failure: a ruleset nft refuses cannot be loaded.
func rulesVerdict(errw io.Writer, host writer.Host, checkErr error) error {
	switch {
	case checkErr == nil:
		fmt.Fprintf(errw, "nft -c: the %s's rules are valid\n", host.Title())
	case errors.Is(checkErr, writer.ErrNoNft):
		fmt.Fprintf(errw, "warning: rules not validated: %v\n", checkErr)
	default:
		return failure(fmt.Errorf("nft refused the generated rules (a kumoup bug, please report it): %w", checkErr))
	}
	return nil
}
