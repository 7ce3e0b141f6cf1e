package probes

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
)

func TestRunWithCertificateExpiryReadsTheSweepsHandshake(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	const name = "mta.example.com"
	addr, hellos := countingTLSServer(t, ca, name)
	target := &Target{
		Deployment: model.Deployment{Domain: name},
		ConnectTo:  map[string]string{name + ":443": addr},
		RootCAs:    ca.Pool(),
		Timeout:    5 * time.Second,
	}
	checks := sweepChecks(t, sweepCertificateChecks...)

	// The old way: Run, then CertificateExpiry on its own.
	want, err := CertificateExpiry(context.Background(), target)
	if err != nil || want.IsZero() {
		t.Fatalf("CertificateExpiry = %v, %v", want, err)
	}
	before := Run(context.Background(), target, checks)
	if n := hellos.Swap(0); n != 2 {
		t.Fatalf("Run then CertificateExpiry: %d handshakes, want 2", n)
	}

	results, got := RunWithCertificateExpiry(context.Background(), target, checks)
	if n := hellos.Swap(0); n != 1 {
		t.Errorf("RunWithCertificateExpiry: %d handshakes, want 1 (the sweep's)", n)
	}
	if !got.Equal(want) {
		t.Errorf("expiry %v, want %v (what CertificateExpiry says)", got, want)
	}
	for _, r := range results {
		wantResult(t, r, StatusPass)
	}
	sweepSame(t, before, results)

	// No certificate check selected (--only): the handshake is still one,
	// done for the expiry alone.
	results, got = RunWithCertificateExpiry(context.Background(), target, nil)
	if n := hellos.Swap(0); n != 1 || len(results) != 0 {
		t.Errorf("no check: %d handshakes and %d results, want 1 and none", n, len(results))
	}
	if !got.Equal(want) {
		t.Errorf("no check: expiry %v, want %v", got, want)
	}
}

func TestRunWithCertificateExpiryIsZeroWhenTheHandshakeFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	const name = "mta.example.com"
	target := &Target{
		Deployment: model.Deployment{Domain: name},
		ConnectTo:  map[string]string{name + ":443": closed},
		Timeout:    2 * time.Second,
	}
	results, exp := RunWithCertificateExpiry(context.Background(), target, sweepChecks(t, tlsExpiryID))
	if !exp.IsZero() {
		t.Errorf("expiry %v with nothing listening, want none", exp)
	}
	wantResult(t, results[0], StatusFail, "TLS handshake with "+name+":443")

	// No name, no handshake, no expiry.
	target.Deployment.Domain = ""
	if _, exp := RunWithCertificateExpiry(context.Background(), target, nil); !exp.IsZero() {
		t.Errorf("expiry %v without a name", exp)
	}
}

func TestRunWithCertificateExpiryMasksTheTokensLikeRun(t *testing.T) {
	const tok = "Inject-Token-0123456789abcdef"
	target := &Target{Deployment: model.Deployment{InjectionToken: tok}}
	echo := Check{ID: "test.echo", Title: "echo", Run: func(context.Context, *Target) Result {
		return Fail("drop "+tok, "server said %s", tok)
	}}
	results, _ := RunWithCertificateExpiry(context.Background(), target, []Check{echo})
	run := Run(context.Background(), target, []Check{echo})
	if results[0].Detail != run[0].Detail || results[0].Remedy != run[0].Remedy || results[0].Detail != "server said "+model.Masked {
		t.Fatalf("RunWithCertificateExpiry: %q / %q; Run: %q / %q", results[0].Detail, results[0].Remedy, run[0].Detail, run[0].Remedy)
	}
}
