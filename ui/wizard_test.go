package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

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
	// The e-mail field below it is reached by scrolling when focused.
	for range 4 {
		nm, cmd := m.Update(press("tab"))
		m = runCmd(nm.(Model), cmd)
	}
	if s := screenText(m); !strings.Contains(s, "Let's Encrypt e-mail") || !strings.Contains(s, "┃ > e.g. ops@example.com") {
		t.Fatalf("the focused e-mail field is not on the page:\n%s", s)
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

// toACMEEmail drives a fresh setup to the host page's e-mail field.
func toACMEEmail(t *testing.T) flow {
	f := startFlow(t, testOptions(t.TempDir()))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com")
	for _, k := range []string{"tls_certificate", "tls_certificate_key", "max_body"} {
		f.waitField(k)
		f.enter()
	}
	return f
}

func TestWizardTypedACMEEmailReachesTheDeployment(t *testing.T) {
	f := toACMEEmail(t)
	f.fill("acme_email", "ops@example.com")
	f.waitField("injection_choice")
	f.key("ctrl+c")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probed).Model
	d, _, _ := final.wizardScreen().answers()
	if d.ACMEEmail != "ops@example.com" {
		t.Fatalf("acme_email in the draft = %q, want the typed ops@example.com", d.ACMEEmail)
	}
}

func TestWizardRefusesAnInvalidACMEEmailNamingTheField(t *testing.T) {
	f := toACMEEmail(t)
	f.fill("acme_email", "ops@")
	f.waitText(`acme_email: "ops@" is not an e-mail address`)
	if w := f.probe(); w.field != "acme_email" || w.page != pageHost {
		t.Fatalf("focus moved to %q (page %d) despite the error", w.field, w.page)
	}
}
