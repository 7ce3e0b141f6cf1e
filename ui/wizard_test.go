package ui

import (
	"strings"
	"testing"
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
