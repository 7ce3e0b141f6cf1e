package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTokenGrace is how long nginx keeps accepting a retired injection
// token when the answers set no token_grace: a week, so an app deployed
// weekly picks up the new token before the old one stops working.
const DefaultTokenGrace = 7 * 24 * time.Hour

// MaxTokenGrace bounds token_grace: a retired token accepted for longer
// is a second live token, not a rotation.
const MaxTokenGrace = 90 * 24 * time.Hour

// ParseGrace reads a grace period: a number of days ("7d") or a Go
// duration ("36h", "90m"), more than zero and at most 90 days.
func ParseGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: use days like 7d, or hours like 36h", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration: use days like 7d, or hours like 36h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be longer than zero: the app needs time to switch to the new token (default 7d)", s)
	}
	if d > MaxTokenGrace {
		return 0, fmt.Errorf("%q is longer than 90 days: a retired token accepted that long is a second live token; use at most 90d", s)
	}
	return d, nil
}

// ValidateTokenGrace checks the answer token_grace: empty (the default,
// DefaultTokenGrace) or a grace period ParseGrace reads.
func ValidateTokenGrace(s string) error {
	if s == "" {
		return nil
	}
	_, err := ParseGrace(s)
	return err
}

// Grace is the grace period of a retired injection token: TokenGrace, or
// DefaultTokenGrace when it is empty or does not parse (Validate reports
// that).
func (d Deployment) Grace() time.Duration {
	if d.TokenGrace == "" {
		return DefaultTokenGrace
	}
	g, err := ParseGrace(d.TokenGrace)
	if err != nil {
		return DefaultTokenGrace
	}
	return g
}

// Rotating reports whether a rotation of the injection token is in
// progress: a retired token is still accepted.
func (d Deployment) Rotating() bool { return d.RetiredInjectionToken != "" }

// RetiredUntil is when the retired injection token stops being accepted
// (zero when no rotation is in progress).
func (d Deployment) RetiredUntil() time.Time {
	if !d.Rotating() {
		return time.Time{}
	}
	return d.RetiredAt.Add(d.Grace())
}

// RotationStatus is one line for status screens: "rotation in progress,
// old token accepted until 2026-12-11 16:04 UTC", or "" when no rotation
// is in progress.
func (d Deployment) RotationStatus() string {
	if !d.Rotating() {
		return ""
	}
	return "rotation in progress, old token accepted until " + d.RetiredUntil().UTC().Format("2006-01-02 15:04 MST")
}

func (d Deployment) validateRotation(p *Problems) {
	p.addErr("token_grace", ValidateTokenGrace(d.TokenGrace))
	if d.RetiredInjectionToken == "" {
		return
	}
	if err := ValidateToken(d.RetiredInjectionToken); err != nil {
		p.addErr("retired injection token", fmt.Errorf("%w: finish the rotation with kumoup rotate injection --finish", err))
	}
	if d.RetiredAt.IsZero() {
		p.addErr("retired injection token", errors.New("has no retirement date: finish the rotation with kumoup rotate injection --finish"))
	}
	if d.RetiredInjectionToken == d.InjectionToken {
		p.addErr("retired injection token", errors.New("is the current injection token: finish the rotation with kumoup rotate injection --finish"))
	}
	if d.RetiredInjectionToken == d.WebhookToken {
		p.addErr("webhook_token", errors.New("must differ from the retired injection token, which nginx still accepts: generate a new one"))
	}
}

// ErrRotationInProgress is wrapped by RotateInjection when a rotation
// already runs.
var ErrRotationInProgress = errors.New("a rotation of the injection token is in progress")

// ErrNoRotation is wrapped by FinishRotation when no rotation runs.
var ErrNoRotation = errors.New("no rotation of the injection token is in progress")

// RotateInjection returns d with newToken as its injection token and the
// current one retired at now (still accepted for the grace period). It
// refuses while a rotation is in progress: a third token would drop the
// retired one, which the app may still send.
func (d Deployment) RotateInjection(newToken string, now time.Time) (Deployment, error) {
	if d.Rotating() {
		return d, fmt.Errorf("%w (old token accepted until %s): finish it first with kumoup rotate injection --finish once the app sends the new token", ErrRotationInProgress, d.RetiredUntil().UTC().Format("2006-01-02 15:04 MST"))
	}
	if d.InjectionToken == "" {
		return d, errors.New("injection token: there is none to rotate: run kumoup apply (or kumoup setup) first")
	}
	d.RetiredInjectionToken, d.RetiredAt = d.InjectionToken, now.UTC().Truncate(time.Second)
	d.InjectionToken = newToken
	return d, nil
}

// FinishRotation returns d without its retired injection token: only the
// new one is accepted from then on.
func (d Deployment) FinishRotation() (Deployment, error) {
	if !d.Rotating() {
		return d, fmt.Errorf("%w: nothing to finish (kumoup rotate injection starts one)", ErrNoRotation)
	}
	d.RetiredInjectionToken, d.RetiredAt = "", time.Time{}
	return d, nil
}
