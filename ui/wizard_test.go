package ui

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

func TestWizardPageKeepsItsLastFieldWhenAPrefilledValueWraps(t *testing.T) {
	// The demo's certificate paths are longer than 80 columns: they wrap,
	// and the page must still show the body limit under them.
	opt := prefilled()
	opt.Demo = true
	d := *opt.Prefill
	d.TLSCertificate = "/tmp/kumoup-demo-3736567972/host/etc/letsencrypt/live/mta.example.com/fullchain.pem"
	d.TLSCertificateKey = "/tmp/kumoup-demo-3736567972/host/etc/letsencrypt/live/mta.example.com/privkey.pem"
	opt.Prefill = &d
	m := atPage(opt, pageHost, 80, 24)
	if s := screenText(m); !strings.Contains(s, "> 25m") {
		t.Fatalf("the body limit's value is cut off the page:\n%s", s)
	}
}

func TestTokenChoiceHasNoFilterToLeaveHalfTyped(t *testing.T) {
	m := atPage(prefilled(), pageInjection, 80, 24)
	before := screenText(m)
	m = send(m, press("/"))
	if after := screenText(m); after != before {
		t.Fatalf("/ changed the token choice page (a filter opened):\n%s", after)
	}
}

func TestDemoWizardDerivesTheCertificatePathsInItsPretendHostFromTheNewName(t *testing.T) {
	host := writer.Layout{Root: "/tmp/kumoup-demo-1/host"}
	for _, demo := range []bool{true, false} {
		opt := prefilled()
		opt.Demo, opt.Layout = demo, host
		d := *opt.Prefill
		d.TLSCertificate = host.Path(model.CertificatePath(d.Domain))
		d.TLSCertificateKey = host.Path(model.CertificateKeyPath(d.Domain))
		opt.Prefill = &d
		m := atPage(opt, pageHost, 80, 24)
		m.wizardScreen().d.Domain = "mail.changed.example"
		m.wizardScreen().finishPage(pageHost)
		got := m.wizardScreen().d
		want, wantKey := d.TLSCertificate, d.TLSCertificateKey // kept as typed on a host
		if demo {
			want, wantKey = host.Path(model.CertificatePath(got.Domain)), host.Path(model.CertificateKeyPath(got.Domain))
		}
		if got.TLSCertificate != want || got.TLSCertificateKey != wantKey {
			t.Errorf("demo %v: certificate %q key %q after the name changed, want %q and %q", demo, got.TLSCertificate, got.TLSCertificateKey, want, wantKey)
		}
	}
}
