package loopback_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
	"github.com/kumoup/kumoup/model"
)

func TestReloadServesAChangedTokenAndBodyLimitAndRefusesTheOldToken(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	oldAuth, pid := bearer(s), s.Pid()
	if a := get(t, s, "GET", model.MetricsPath, oldAuth, ""); a.status != http.StatusOK {
		t.Fatalf("before the reload, the token got %d: %s", a.status, a.body)
	}

	d := s.Deployment
	d.InjectionToken = "reloaded-test-token-0123456789abcdefghijklmnop"
	d.MaxBody = "7M"
	if err := s.Reload(context.Background(), d); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if s.Pid() != pid {
		t.Errorf("Reload restarted nginx (pid %d, was %d): want the same master reloaded", s.Pid(), pid)
	}
	if a := get(t, s, "GET", model.MetricsPath, oldAuth, ""); a.status != http.StatusUnauthorized {
		t.Errorf("after the reload, the old token got %d, want 401", a.status)
	}
	if a := get(t, s, "GET", model.MetricsPath, "Bearer "+d.InjectionToken, ""); a.status != http.StatusOK {
		t.Errorf("after the reload, the new token got %d, want 200: %s", a.status, a.body)
	}
	if s.Deployment.InjectionToken != d.InjectionToken {
		t.Errorf("Site.Deployment keeps the old token after Reload")
	}
	if got, want := s.Kumod.BodyLimit(), int64(7<<20); got != want {
		t.Errorf("the stand-in's body limit is %d after Reload with max_body 7M, want %d", got, want)
	}
}

func TestReloadRefusesADeploymentNginxRejectsAndKeepsServingThePreviousOne(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	auth := bearer(s)
	d := s.Deployment
	d.InjectionToken = "reloaded-test-token-0123456789abcdefghijklmnop"
	// A certificate file nginx cannot load: nginx -t fails, no HUP is sent.
	d.TLSCertificateKey = d.TLSCertificate
	if err := s.Reload(context.Background(), d); err == nil {
		t.Fatal("Reload accepted a key file that holds a certificate")
	}
	if a := get(t, s, "GET", model.MetricsPath, auth, ""); a.status != http.StatusOK {
		t.Errorf("after a refused reload, the previous token got %d, want 200", a.status)
	}
}
