package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
)

// TestErrorHandlerKeepsTheCaseOfFileNamesAndFields: fang's styles
// transform the error text (capitalizing its first word); a path such as
// bad.yaml must be printed as the operator typed it.
func TestErrorHandlerKeepsTheCaseOfFileNamesAndFields(t *testing.T) {
	styles := fang.Styles{ErrorHeader: lipgloss.NewStyle(), ErrorText: lipgloss.NewStyle().Transform(strings.ToUpper)}
	var out bytes.Buffer
	errorHandler(&out, styles, usageError(errors.New("bad.yaml: answers file: line 2: unknown key \"proxy_hots\"")))
	if !strings.Contains(out.String(), `bad.yaml: answers file: line 2: unknown key "proxy_hots"`) {
		t.Fatalf("error text changed case:\n%s", out.String())
	}
}

func TestErrorHandlerPrintsNothingForAnErrorTheCommandReported(t *testing.T) {
	var out bytes.Buffer
	errorHandler(&out, fang.Styles{}, silentExit(exitUsage))
	if out.Len() != 0 {
		t.Fatalf("printed %q for a silent exit", out.String())
	}
	errorHandler(&out, fang.Styles{}, failure(errors.New("disk full")))
	if !strings.Contains(out.String(), "disk full") {
		t.Fatalf("printed %q, want the error", out.String())
	}
}

func TestAnErrorNoCommandMarkedExitsOneNotTwo(t *testing.T) {
	if got := exitCode(errors.New("disk full")); got != exitFailure {
		t.Fatalf("an unmarked error exits %d, want %d (only usage errors exit %d)", got, exitFailure, exitUsage)
	}
	if got := exitCode(usageError(errors.New("--host: bad"))); got != exitUsage {
		t.Fatalf("a usage error exits %d, want %d", got, exitUsage)
	}
}

func TestCobraFlagAndArgumentErrorsAreUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown flag":           {"status", "--no-such-flag"},
		"flag without its value": {"firewall", "--host"},
		"bad flag value":         {"metrics", "--interval", "soon"},
		"unknown command":        {"no-such-command"},
		"argument where none":    {"setup", "extra"},
	} {
		t.Run(name, func(t *testing.T) {
			root := newRootCmd()
			root.SetArgs(args)
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			err := root.Execute()
			if err == nil {
				t.Fatalf("kumoup %s succeeded", strings.Join(args, " "))
			}
			if got := exitCode(err); got != exitUsage {
				t.Fatalf("kumoup %s: %v exits %d, want %d", strings.Join(args, " "), err, got, exitUsage)
			}
		})
	}
}
