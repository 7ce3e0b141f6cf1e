package main

import (
	"errors"
	"fmt"
	"io"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// Exit codes, the same for every command:
//
//	0  success (status: no check failed)
//	1  failure while doing the work (status: at least one check failed)
//	2  bad input or usage: invalid answers, no deployment found, no terminal
//	130 interrupted by the operator (ctrl+c)
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitError carries an exit code through cobra and fang. A nil Err means the
// command already said everything it had to say.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// usageError marks err as bad input (exit 2).
func usageError(err error) error { return &exitError{Code: exitUsage, Err: err} }

// failure marks err as a failure while working (exit 1).
func failure(err error) error { return &exitError{Code: exitFailure, Err: err} }

// silentExit ends the command with code, having printed its own output.
func silentExit(code int) error { return &exitError{Code: code} }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.Code
	}
	// An error no command marked is a failure while working: only what
	// usageError marks (cobra's flag and argument errors included, see
	// markUsageErrors) exits 2.
	return exitFailure
}

// markUsageErrors makes cobra's own errors usage errors, for cmd and every
// command under it: bad flags (SetFlagErrorFunc) and bad arguments (each
// command's Args validator).
func markUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageError(err)
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		markUsageErrors(c)
	}
}

// errorHandler prints errors in fang's style, except those a command
// already reported itself. The text keeps its case: fang would capitalize
// the first word, and errors start with a file name or a field
// ("bad.yaml: ...", "webhook_token_file: ...") that must stay as typed.
func errorHandler(w io.Writer, styles fang.Styles, err error) {
	var e *exitError
	if errors.As(err, &e) && e.Err == nil {
		return
	}
	styles.ErrorText = styles.ErrorText.UnsetTransform()
	fang.DefaultErrorHandler(w, styles, err)
}
