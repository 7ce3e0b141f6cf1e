package model

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong (or worth a warning) with one answer.
type Problem struct {
	// Field is the answers-file name of the field, e.g. "domain".
	Field string
	// Message says what is wrong and how to fix it. It never contains a secret.
	Message string
}

// Error formats the problem as "field: message".
func (p Problem) Error() string { return p.Field + ": " + p.Message }

// Problems is the outcome of validating a whole Deployment.
type Problems struct {
	Errors   []Problem
	Warnings []Problem
}

// OK reports whether there is no error (warnings do not count).
func (p Problems) OK() bool { return len(p.Errors) == 0 }

// Err returns nil when there is no error, else an error listing all of them.
func (p Problems) Err() error {
	if p.OK() {
		return nil
	}
	return &InvalidError{Problems: p}
}

// For returns the problems (errors first) that concern field.
func (p Problems) For(field string) []Problem {
	var out []Problem
	for _, e := range p.Errors {
		if e.Field == field {
			out = append(out, e)
		}
	}
	for _, w := range p.Warnings {
		if w.Field == field {
			out = append(out, w)
		}
	}
	return out
}

func (p *Problems) addErr(field string, err error) {
	if err == nil {
		return
	}
	p.Errors = append(p.Errors, Problem{Field: field, Message: err.Error()})
}

func (p *Problems) addWarn(field string, err error) {
	if err == nil {
		return
	}
	p.Warnings = append(p.Warnings, Problem{Field: field, Message: err.Error()})
}

// InvalidError is returned by Problems.Err: a deployment with at least one error.
type InvalidError struct{ Problems Problems }

func (e *InvalidError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid answer", len(e.Problems.Errors))
	if len(e.Problems.Errors) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems.Errors {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}
