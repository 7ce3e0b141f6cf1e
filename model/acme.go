package model

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ValidateACMEEmail checks acme_email, the optional address the ACME
// server (Let's Encrypt) writes to about the certificate. Empty is valid:
// certbot then registers without an address (--register-unsafely-without-email).
func ValidateACMEEmail(s string) error {
	if s == "" {
		return nil
	}
	if what := firstUnsafe(s); what != "" {
		return fmt.Errorf("contains %s: give a plain address like ops@example.com", what)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return fmt.Errorf("%q is not an e-mail address: give a plain address like ops@example.com, or leave it empty", s)
	}
	at := strings.LastIndexByte(s, '@')
	if err := ValidateDomain(s[at+1:]); err != nil {
		return errors.New("the part after @ must be a domain name like example.com")
	}
	return nil
}
