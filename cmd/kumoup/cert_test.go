package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/pebbletest"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

func TestCertWithoutADeploymentExitsTwo(t *testing.T) {
	r := kumoup(t, "cert", "--root", t.TempDir())
	if r.code != exitUsage || !strings.Contains(r.stderr, "no deployment found") {
		t.Fatalf("exit %d, want %d naming the missing deployment:\n%s", r.code, exitUsage, r.stderr)
	}
}

// certTree applies goodAnswers under a new root with the certificate
// paths where certbot would put them in that tree.
func certTree(t *testing.T, extra string) (root string, r run) {
	t.Helper()
	root = t.TempDir()
	live := filepath.Join(root, "etc/letsencrypt/live/mta.example.com")
	answers := answersFile(t, goodAnswers+extra+
		"tls_certificate: "+filepath.Join(live, "fullchain.pem")+"\n"+
		"tls_certificate_key: "+filepath.Join(live, "privkey.pem")+"\n"+
		"acme_webroot: "+filepath.Join(root, "var/www/letsencrypt")+"\n")
	t.Setenv("KUMOUP_INJECTION_TOKEN", applyTestInjection)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	r = kumoup(t, "apply", "--answers", answers, "--root", root)
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return root, r
}

func TestApplyWithoutTheCertificateWritesTheHTTPOnlySiteAndNamesKumoupCert(t *testing.T) {
	root, r := certTree(t, "")
	if !strings.Contains(r.stdout, writer.HTTPOnlyNote) || !strings.Contains(r.stdout, "kumoup cert --root "+root) {
		t.Errorf("apply does not say the site is HTTP only and what finishes it:\n%s", r.stdout)
	}
	site, err := os.ReadFile(writer.Layout{Root: root}.SiteFile("mta.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(site), "ssl_certificate") || !strings.Contains(string(site), "acme-challenge") {
		t.Errorf("the site is not HTTP only:\n%s", site)
	}
}

func TestCertStopsWhenTheNameResolvesElsewhereAndKeepsTheHTTPOnlySite(t *testing.T) {
	root, _ := certTree(t, "acme_email: ops@example.com\n")
	dns := dnstest.New(t, dnstest.Zone{"mta.example.com": {"A 192.0.2.44"}})
	r := kumoup(t, "cert", "--root", root, "--server", "https://127.0.0.1:1/dir", "--resolver", dns.Addr())
	if r.code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	for _, want := range []string{"The certificate was not obtained", "192.0.2.44", "not an address of this host", "--behind-nat", "stays HTTP only"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "$ certbot") {
		t.Errorf("certbot ran although the pre-check failed:\n%s", r.stderr)
	}
	site, _ := os.ReadFile(writer.Layout{Root: root}.SiteFile("mta.example.com"))
	if strings.Contains(string(site), "ssl_certificate") {
		t.Errorf("the site is no longer HTTP only:\n%s", site)
	}
}

func TestCertRefusesACertificateThatIsNotCertbots(t *testing.T) {
	root := t.TempDir()
	answers := answersFile(t, goodAnswers+"tls_certificate: /etc/ssl/own/cert.pem\ntls_certificate_key: /etc/ssl/own/key.pem\n")
	t.Setenv("KUMOUP_INJECTION_TOKEN", applyTestInjection)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	if r := kumoup(t, "apply", "--answers", answers, "--root", root); r.code != 0 {
		t.Fatalf("apply: %d %s", r.code, r.stderr)
	}
	r := kumoup(t, "cert", "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "not certbot's paths") {
		t.Fatalf("exit %d, want %d saying the paths are not certbot's:\n%s", r.code, exitUsage, r.stderr)
	}
}

// TestStatusReportsTheBootstrapAsOneFinding: on a fresh host (nginx
// serving the HTTP-only site), status says the certificate has not been
// obtained and the one command that finishes, and the checks that need
// HTTPS skip instead of each failing.
func TestStatusReportsTheBootstrapAsOneFinding(t *testing.T) {
	site := statusSite(t, loopback.Config{NoCertificate: true})
	r := kumoup(t, append(statusArgs(site, "edge,tls"), "--json")...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	var doc statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Checks {
		switch {
		case c.ID == "tls.certificate.obtained":
			if c.Status != "fail" || !strings.Contains(c.Detail, "has not been obtained") || !strings.Contains(c.Remedy, "kumoup cert --root "+site.Layout.Root) {
				t.Errorf("%s: %s %q (remedy %q), want the one finding naming kumoup cert", c.ID, c.Status, c.Detail, c.Remedy)
			}
		case c.ID == "edge.http.redirect" || c.ID == "edge.acme.webroot":
			if c.Status != "pass" {
				t.Errorf("%s: %s %q: port 80 works on the HTTP-only site", c.ID, c.Status, c.Detail)
			}
		case c.Status != "skip" || !strings.Contains(c.Detail, "tls.certificate.obtained"):
			t.Errorf("%s: %s %q, want a skip pointing at tls.certificate.obtained", c.ID, c.Status, c.Detail)
		}
	}
	if doc.Summary.Fail != 1 {
		t.Errorf("summary %+v, want exactly one failure", doc.Summary)
	}
}

// TestFreshHostReachesAGreenStatus is the sequence on loopback:
// no certificate, the HTTP-only site served by a real nginx, the
// certificate obtained from Debian's pebble by Debian's certbot through
// the real webroot, the full site reloaded, then `kumoup status` with
// pebble's root as --ca-file: every edge and tls check passes.
func TestFreshHostReachesAGreenStatus(t *testing.T) {
	site := statusSite(t, loopback.Config{NoCertificate: true})
	if _, err := acme.FindCertbot(""); err != nil {
		t.Fatal(err)
	}
	if r := kumoup(t, statusArgs(site, "edge,tls")...); r.code != exitFailure || !strings.Contains(r.stdout, "kumoup cert --root") {
		t.Fatalf("before: exit %d, want %d naming kumoup cert\n%s", r.code, exitFailure, r.stdout)
	}
	dns := dnstest.New(t, dnstest.Zone{site.Deployment.Domain: {"A 127.0.0.1"}})
	peb := pebbletest.New(t, pebbletest.Config{HTTPPort: site.HTTPPort, DNSServer: dns.Addr()})
	_, err := acme.Bootstrap(t.Context(), acme.Config{
		Deployment: site.Deployment, Layout: site.Layout, Apply: site.Reload,
		Target: &probes.Target{Deployment: site.Deployment, Layout: site.Layout, ConnectTo: site.ConnectTo, Resolver: dns.Addr()},
		Server: peb.DirURL, Env: peb.Env(), Email: "ops@example.com", HookReload: "true",
	})
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	roots, err := peb.Roots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "pebble-root.pem")
	if err := os.WriteFile(caFile, roots, 0o644); err != nil {
		t.Fatal(err)
	}
	args := statusArgs(site, "edge,tls")
	for i, a := range args {
		if a == "--ca-file" {
			args[i+1] = caFile
		}
	}
	r := kumoup(t, append(args, "--json")...)
	var doc statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != exitOK {
		t.Fatalf("after: exit %d (%v), want 0\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	for _, c := range doc.Checks {
		if c.Status != "pass" {
			t.Errorf("%s: %s: %s (remedy: %s)", c.ID, c.Status, c.Detail, c.Remedy)
		}
	}
	if len(doc.Checks) != 17 {
		t.Errorf("%d checks ran, want the 17 of edge and tls", len(doc.Checks))
	}
}
