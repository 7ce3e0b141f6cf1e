package ui

import (
	"context"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/pebbletest"
	"github.com/kumoup/kumoup/writer"
)

// certHost is a fresh host on loopback: nginx serving the HTTP-only site,
// a DNS server saying the name is at addr, and pebble validating on the
// nginx's HTTP port. The returned option makes the certificate step run
// against them. pebble resolves the name to 127.0.0.1 whatever addr is: a
// NAT in front of the host forwards addr's port 80 to it.
func certHost(t *testing.T, addr string) (*loopback.Site, func(acme.Config) acme.Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs nginx, pebble and certbot (-short)")
	}
	if _, err := acme.FindCertbot(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pebbletest.Binary); err != nil {
		t.Fatal(pebbletest.ErrNoPebble)
	}
	site, err := loopback.Start(context.WithoutCancel(t.Context()), loopback.Config{Dir: t.TempDir(), NoCertificate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Stop() })
	dns := dnstest.New(t, dnstest.Zone{site.Deployment.Domain: {"A " + addr}})
	public := dnstest.New(t, dnstest.Zone{site.Deployment.Domain: {"A 127.0.0.1"}})
	peb := pebbletest.New(t, pebbletest.Config{HTTPPort: site.HTTPPort, DNSServer: public.Addr()})
	return site, func(cfg acme.Config) acme.Config {
		cfg.Deployment, cfg.Layout, cfg.Apply = site.Deployment, site.Layout, site.Reload
		cfg.Target.Deployment, cfg.Target.Layout = site.Deployment, site.Layout
		cfg.Target.ConnectTo, cfg.Target.Resolver = site.ConnectTo, dns.Addr()
		cfg.Server, cfg.Env = peb.DirURL, peb.Env()
		cfg.HookReload = "true"
		return cfg
	}
}

// runSteps presses r and runs every command, returning the screens seen
// while the certificate step ran and the final model.
func runSteps(t *testing.T, m Model) ([]string, Model) {
	t.Helper()
	nm, cmd := m.Update(press("r"))
	m = nm.(Model)
	var seen []string
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && i < 500; i++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if msg == nil {
			continue
		}
		nm, next := m.Update(msg)
		m = nm.(Model)
		if m.nextStepsScreen().cert.running {
			seen = append(seen, screenText(m))
		}
		queue = append(queue, next)
	}
	return seen, m
}

func TestCertStepObtainsTheCertificateStreamingCertbotsProgress(t *testing.T) {
	site, withHost := certHost(t, "127.0.0.1")
	m := atNextSteps(t, true, append(certSteps(site.Layout, certStatus{Certbot: true}),
		step{title: "after the certificate", argv: []string{"sh", "-c", "echo next ran"}}))
	m.opt.certConfig = withHost
	seen, m := runSteps(t, m)

	streamed := false
	for _, s := range seen {
		if strings.Contains(s, "│ Requesting a certificate for "+site.Deployment.Domain) {
			streamed = true
		}
	}
	if !streamed {
		t.Errorf("certbot's output was not shown while it ran (%d screens)", len(seen))
	}
	s := ansi.Strip(strings.Join(m.nextStepsScreen().cert.Lines(m.st), "\n"))
	if m.nextStepsScreen().cert.res.Certificate != site.Deployment.TLSCertificate {
		t.Errorf("obtained %q, want %q", m.nextStepsScreen().cert.res.Certificate, site.Deployment.TLSCertificate)
	}
	for _, want := range []string{glyphPass + " obtain the certificate (certbot)", glyphPass + " write the full site and reload nginx", "Certificate obtained:", "registered without an e-mail address"} {
		if !strings.Contains(s, want) {
			t.Errorf("the certificate step lacks %q:\n%s", want, s)
		}
	}
	if m.nextStepsScreen().steps[0].state != "ok" || m.nextStepsScreen().steps[1].state != "ok" {
		t.Errorf("steps %q, %q: want the certificate step done and the next one run", m.nextStepsScreen().steps[0].state, m.nextStepsScreen().steps[1].state)
	}
	if len(writer.CertificateMissing(site.Deployment)) != 0 {
		t.Error("no certificate on disk")
	}
}

func TestCertStepFailureSaysTheCauseAndStopsTheSteps(t *testing.T) {
	site, withHost := certHost(t, "192.0.2.44")
	m := atNextSteps(t, true, append(certSteps(site.Layout, certStatus{Certbot: true}),
		step{title: "after the certificate", argv: []string{"sh", "-c", "echo next ran"}}))
	m.opt.certConfig = withHost
	_, m = runSteps(t, m)
	text := ansi.Strip(strings.Join(m.nextStepsScreen().cert.Lines(m.st), "\n"))
	for _, want := range []string{"Not obtained:", "192.0.2.44", "Fix:", "--behind-nat", "stays HTTP only"} {
		if !strings.Contains(text, want) {
			t.Errorf("the failed step lacks %q:\n%s", want, text)
		}
	}
	if m.nextStepsScreen().steps[0].state != "failed" || m.nextStepsScreen().steps[1].state != "" {
		t.Errorf("steps %q, %q: want the certificate step failed and the next not run", m.nextStepsScreen().steps[0].state, m.nextStepsScreen().steps[1].state)
	}
	if !strings.Contains(screenText(m), "1. Obtain the certificate") || !strings.Contains(text, "n: this host is behind NAT") {
		t.Errorf("screen:\n%s\n%s", screenText(m), text)
	}

	// The operator confirms the NAT: n runs the step again without the
	// address check, and it goes through (the NAT forwards to this host).
	nm, cmd := m.Update(press("n"))
	m = nm.(Model)
	if !m.nextStepsScreen().cert.cfg.BehindNAT || m.nextStepsScreen().steps[0].state != "running" {
		t.Fatalf("n did not start the step again behind NAT: %+v", m.nextStepsScreen().steps[0])
	}
	m = settle(m, cmd)
	if m.nextStepsScreen().steps[0].state != "ok" || m.nextStepsScreen().steps[1].state != "ok" || len(writer.CertificateMissing(site.Deployment)) != 0 {
		t.Errorf("behind NAT: steps %q, %q; %s", m.nextStepsScreen().steps[0].state, m.nextStepsScreen().steps[1].state, ansi.Strip(strings.Join(m.nextStepsScreen().cert.Lines(m.st), "\n")))
	}
}
