package model

import (
	"strings"
	"testing"
)

func TestACMEEmailIsOptionalAndMustBeAPlainAddress(t *testing.T) {
	for _, ok := range []string{"", "ops@example.com", "first.last+certs@mail.example.org"} {
		if err := ValidateACMEEmail(ok); err != nil {
			t.Errorf("ValidateACMEEmail(%q) = %v, want nil", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"ops":                        "not an e-mail address",
		"Ops <ops@example.com>":      "a space",
		"ops@localhost":              "domain name",
		"ops@example.com;rm":         "';'",
		"ops@example.com\n--staging": "a newline",
	} {
		err := ValidateACMEEmail(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateACMEEmail(%q) = %v, want an error saying %q", bad, err, want)
		}
	}
}

func TestValidateNamesACMEEmail(t *testing.T) {
	d := validDeployment()
	d.ACMEEmail = "not-an-address"
	p := d.Validate()
	if p.OK() || !strings.Contains(p.Err().Error(), "acme_email") {
		t.Fatalf("Validate() = %v, want an acme_email error", p.Err())
	}
	d.ACMEEmail = "ops@example.com"
	if p := d.Validate(); !p.OK() {
		t.Fatalf("Validate() with a good acme_email = %v", p.Err())
	}
}
