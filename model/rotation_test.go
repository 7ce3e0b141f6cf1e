package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseGraceTakesDaysOrDurationsWithinBounds(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "90d": MaxTokenGrace, " 1d ": 24 * time.Hour} {
		if got, err := ParseGrace(in); err != nil || got != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"0d": "longer than zero", "-1h": "longer than zero", "91d": "longer than 90 days", "week": "use days like 7d", "7 d": "use days like 7d"} {
		if _, err := ParseGrace(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseGrace(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestValidateTokenGraceTakesEmptyForTheDefaultAndRefusesWhatParseGraceRefuses(t *testing.T) {
	for _, in := range []string{"", "2d", " 36h "} {
		if err := ValidateTokenGrace(in); err != nil {
			t.Errorf("ValidateTokenGrace(%q) = %v, want nil", in, err)
		}
	}
	for in, want := range map[string]string{"soon": "use days like 7d, or hours like 36h", "0d": "longer than zero", "91d": "use at most 90d"} {
		if err := ValidateTokenGrace(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateTokenGrace(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestRotationNeedsAValidGraceAndADistinctRetiredToken(t *testing.T) {
	d := validDeploymentForRotation()
	if p := d.Validate(); !p.OK() {
		t.Fatalf("valid deployment: %v", p.Err())
	}
	at := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	r, err := d.RotateInjection("new-token-0123456789abcdefghijklmnopqrstuv", at)
	if err != nil || !r.Validate().OK() || r.RetiredInjectionToken != d.InjectionToken {
		t.Fatalf("rotate: %v %v", err, r.Validate().Err())
	}
	if got := r.RotationStatus(); got != "rotation in progress, old token accepted until 2026-12-11 16:00 UTC" {
		t.Errorf("status %q", got)
	}
	if _, err := r.RotateInjection("x", at); !errors.Is(err, ErrRotationInProgress) {
		t.Errorf("second rotation: %v", err)
	}
	f, err := r.FinishRotation()
	if err != nil || f.Rotating() || f.InjectionToken != r.InjectionToken {
		t.Errorf("finish: %v", err)
	}
	if _, err := f.FinishRotation(); !errors.Is(err, ErrNoRotation) {
		t.Errorf("finish twice: %v", err)
	}
	bad := r
	bad.TokenGrace = "0d"
	bad.RetiredInjectionToken = bad.WebhookToken
	p := bad.Validate()
	if len(p.For("token_grace")) != 1 || len(p.For("webhook_token")) != 1 {
		t.Errorf("problems: %v", p.Err())
	}
	for _, e := range p.Errors {
		if strings.Contains(e.Error(), bad.WebhookToken) {
			t.Errorf("a problem shows a token: %v", e)
		}
	}
}

func validDeploymentForRotation() Deployment {
	return Deployment{
		Domain:         "mta.example.com",
		InjectionToken: "inj-token-0123456789abcdefghijklmnopqrstuvw",
		WebhookToken:   "hook-token-0123456789abcdefghijklmnopqrstuv",
		WebhookURL:     "https://app.example.com/kumo/events",
		ProxyHost:      "10.0.0.5",
		ProxyPublicIP:  "8.8.4.4",
		HELO:           "mail.example.com",
	}.WithDefaults()
}
