package main

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/ui"
)

func TestSetupPassesTheCertificateFlagsToTheWizard(t *testing.T) {
	opt, err := uiOptions(setupOptions{root: t.TempDir(), server: "https://127.0.0.1:14000/dir", resolver: "127.0.0.1:5353", behindNAT: true}, ui.StartWizard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ui.CertOptions{Server: "https://127.0.0.1:14000/dir", BehindNAT: true}); opt.Cert != want {
		t.Errorf("certificate options %+v, want %+v", opt.Cert, want)
	}
	if opt.Target == nil || opt.Target.Resolver != "127.0.0.1:5353" {
		t.Errorf("target %+v, want the resolver 127.0.0.1:5353", opt.Target)
	}
	opt, err = uiOptions(setupOptions{root: t.TempDir(), staging: true}, ui.StartWizard)
	if err != nil || !opt.Cert.Staging || opt.Target != nil {
		t.Errorf("--staging: %+v %+v %v, want staging and the system's resolver", opt.Cert, opt.Target, err)
	}
}

func TestSetupRefusesConflictingOrMalformedCertificateFlags(t *testing.T) {
	for _, c := range []struct {
		o    setupOptions
		want string
	}{
		{setupOptions{staging: true, server: "https://127.0.0.1:14000/dir"}, "--staging and --server: give one"},
		{setupOptions{resolver: "localhost"}, `--resolver "localhost": want IP:PORT`},
	} {
		c.o.root = t.TempDir()
		if _, err := uiOptions(c.o, ui.StartWizard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	r := kumoup(t, "setup", "--staging", "--server", "https://127.0.0.1:14000/dir")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--staging and --server: give one") {
		t.Errorf("exit %d, want %d naming both flags\n%s", r.code, exitUsage, r.stderr)
	}
}
