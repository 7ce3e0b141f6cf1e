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
