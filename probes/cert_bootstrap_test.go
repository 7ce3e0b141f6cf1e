package probes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// certTarget is a deployment under a temporary root whose certificate
// paths are certbot's in that tree; withCert writes both files.
func certTarget(t *testing.T, withCert bool) *Target {
	t.Helper()
	root := t.TempDir()
	l := writer.Layout{Root: root}
	d := model.Deployment{Domain: "mta.example.com",
		TLSCertificate:    l.Path(model.CertificatePath("mta.example.com")),
		TLSCertificateKey: l.Path(model.CertificateKeyPath("mta.example.com")),
	}
	if withCert {
		for _, p := range []string{d.TLSCertificate, d.TLSCertificateKey} {
			writeTestFile(t, p, "pem", 0o600)
		}
	}
	return &Target{Deployment: d, Layout: l}
}

func writeTestFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestCertificateObtainedPassesWhenBothFilesExist(t *testing.T) {
	r := checkCertificateObtained(context.Background(), certTarget(t, true))
	if r.Status != StatusPass {
		t.Fatalf("%s %q", r.Status, r.Detail)
	}
}

func TestCertificateObtainedFailsNamingKumoupCertAndGatesTheHTTPSChecks(t *testing.T) {
	tg := certTarget(t, false)
	r := checkCertificateObtained(context.Background(), tg)
	if r.Status != StatusFail || !strings.Contains(r.Remedy, "kumoup cert --root "+tg.Layout.Root) || !strings.Contains(r.Detail, "HTTP only") {
		t.Fatalf("%s %q (remedy %q), want a failure naming kumoup cert", r.Status, r.Detail, r.Remedy)
	}
	checks, err := Select(Catalogue(), []string{"edge.hsts", "tls.protocols", "tls.certificate.obtained"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Run(context.Background(), tg, checks) {
		if r.ID != "tls.certificate.obtained" && (r.Status != StatusSkip || !strings.Contains(r.Detail, "tls.certificate.obtained")) {
			t.Errorf("%s: %s %q, want a skip pointing at the finding", r.ID, r.Status, r.Detail)
		}
	}
}

func TestRenewalPassesWithTheTimerAndADeployHookThatReloadsNginx(t *testing.T) {
	tg := certTarget(t, true)
	writeTestFile(t, tg.Layout.Path(certbotTimerLink), "[Timer]\n", 0o644)
	dir, _ := writer.CertbotConfigDir(tg.Deployment)
	hook, err := writer.RenderDeployHook(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, hook.Path, string(hook.Content), 0o755)
	if r := checkRenewal(context.Background(), tg); r.Status != StatusPass || !strings.Contains(r.Detail, hook.Path) {
		t.Fatalf("%s %q (remedy %q)", r.Status, r.Detail, r.Remedy)
	}
}

func TestRenewalPassesWithCronAndACertbotDeployHookOption(t *testing.T) {
	tg := certTarget(t, true)
	writeTestFile(t, tg.Layout.Path(certbotCronFile), "0 */12 * * * root certbot -q renew\n", 0o644)
	dir, _ := writer.CertbotConfigDir(tg.Deployment)
	writeTestFile(t, filepath.Join(dir, "renewal", "mta.example.com.conf"), "[renewalparams]\nrenew_hook = systemctl reload nginx\n", 0o644)
	if r := checkRenewal(context.Background(), tg); r.Status != StatusPass {
		t.Fatalf("%s %q (remedy %q)", r.Status, r.Detail, r.Remedy)
	}
}

func TestRenewalFailsWithoutAHookThatReloadsNginx(t *testing.T) {
	tg := certTarget(t, true)
	writeTestFile(t, tg.Layout.Path(certbotTimerLink), "[Timer]\n", 0o644)
	dir, _ := writer.CertbotConfigDir(tg.Deployment)
	// Not executable, and another that does not reload nginx: neither counts.
	writeTestFile(t, writer.DeployHookPath(dir), "#!/bin/sh\nsystemctl reload nginx\n", 0o644)
	writeTestFile(t, filepath.Join(filepath.Dir(writer.DeployHookPath(dir)), "notify"), "#!/bin/sh\n# nginx reload happens elsewhere\nmail -s renewed root\n", 0o755)
	r := checkRenewal(context.Background(), tg)
	if r.Status != StatusFail || !strings.Contains(r.Detail, "no deploy hook") || !strings.Contains(r.Remedy, writer.DeployHookPath(dir)) {
		t.Fatalf("%s %q (remedy %q), want a failure naming the hook kumoup writes", r.Status, r.Detail, r.Remedy)
	}
}

func TestRenewalFailsWhenNothingRunsCertbotRenew(t *testing.T) {
	tg := certTarget(t, true)
	dir, _ := writer.CertbotConfigDir(tg.Deployment)
	hook, _ := writer.RenderDeployHook(dir, "")
	writeTestFile(t, hook.Path, string(hook.Content), 0o755)
	r := checkRenewal(context.Background(), tg)
	if r.Status != StatusFail || !strings.Contains(r.Remedy, "systemctl enable --now certbot.timer") {
		t.Fatalf("%s %q (remedy %q), want a failure naming the timer", r.Status, r.Detail, r.Remedy)
	}
}

func TestRenewalSkipsACertificateFromTheOperatorsOwnCA(t *testing.T) {
	tg := certTarget(t, true)
	tg.Deployment.TLSCertificate = tg.Layout.Path("/etc/ssl/own/cert.pem")
	if r := checkRenewal(context.Background(), tg); r.Status != StatusSkip || !strings.Contains(r.Detail, "not certbot's") {
		t.Fatalf("%s %q, want a skip", r.Status, r.Detail)
	}
}

func TestACMEPreflightNameResolvesToThisHost(t *testing.T) {
	dns := dnstest.New(t, dnstest.Zone{"mta.example.com": {"A 127.0.0.1"}, "far.example.com": {"A 192.0.2.44"}})
	tg := certTarget(t, false)
	tg.Resolver = dns.Addr()
	if r := checkNameLocal(context.Background(), tg, false); r.Status != StatusPass {
		t.Errorf("127.0.0.1: %s %q", r.Status, r.Detail)
	}
	tg.Deployment.Domain = "far.example.com"
	r := checkNameLocal(context.Background(), tg, false)
	if r.Status != StatusFail || !strings.Contains(r.Detail, "192.0.2.44") || !strings.Contains(r.Remedy, "--behind-nat") {
		t.Errorf("192.0.2.44: %s %q (remedy %q), want a failure offering --behind-nat", r.Status, r.Detail, r.Remedy)
	}
	if r := checkNameLocal(context.Background(), tg, true); r.Status != StatusPass || !strings.Contains(r.Detail, "behind NAT") {
		t.Errorf("192.0.2.44 behind NAT: %s %q", r.Status, r.Detail)
	}
	tg.Deployment.Domain = "none.example.com"
	if r := checkNameLocal(context.Background(), tg, false); r.Status != StatusFail || !strings.Contains(r.Detail, "does not resolve") {
		t.Errorf("NXDOMAIN: %s %q", r.Status, r.Detail)
	}
}
