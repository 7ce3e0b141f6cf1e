package probes

import (
	"encoding/json"
	"fmt"
	"time"
)

// Status is the outcome of one check.
type Status int

// The four outcomes, in increasing severity except Skip.
const (
	StatusPass Status = iota
	StatusWarn
	StatusFail
	StatusSkip
)

var statusNames = [...]string{"pass", "warn", "fail", "skip"}

// String returns "pass", "warn", "fail" or "skip".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalJSON encodes the status as its name.
func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON decodes a status name.
func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for i, n := range statusNames {
		if n == name {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", name)
}

// Result is the answer of one check.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Detail says what was asked and what came back, in one line.
	Detail string `json:"detail"`
	// Remedy is the concrete fix for warn and fail, the reason for skip.
	Remedy string `json:"remedy,omitempty"`
	// BlockedBy, on a skip, is the ID of the failed check that kept this
	// one from running (the root cause: never itself blocked).
	BlockedBy string        `json:"blocked_by,omitempty"`
	Duration  time.Duration `json:"-"`
}

// Pass is a check that found what it should.
func Pass(format string, args ...any) Result {
	return Result{Status: StatusPass, Detail: fmt.Sprintf(format, args...)}
}

// Warn is a check that found something worth fixing that does not break
// the deployment. remedy is the concrete fix.
func Warn(remedy, format string, args ...any) Result {
	return Result{Status: StatusWarn, Detail: fmt.Sprintf(format, args...), Remedy: remedy}
}

// Fail is a check that found the deployment unsafe or broken. remedy is the
// concrete fix (the line to change, the command to run).
func Fail(remedy, format string, args ...any) Result {
	return Result{Status: StatusFail, Detail: fmt.Sprintf(format, args...), Remedy: remedy}
}

// Skip is a check that could not run here; reason says why.
func Skip(format string, args ...any) Result {
	return Result{Status: StatusSkip, Detail: fmt.Sprintf(format, args...)}
}

// Summary counts results by status.
type Summary struct {
	Pass int `json:"pass"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
	Skip int `json:"skip"`
}

// Summarize counts results by status.
func Summarize(results []Result) Summary {
	var s Summary
	for _, r := range results {
		switch r.Status {
		case StatusPass:
			s.Pass++
		case StatusWarn:
			s.Warn++
		case StatusFail:
			s.Fail++
		case StatusSkip:
			s.Skip++
		}
	}
	return s
}
