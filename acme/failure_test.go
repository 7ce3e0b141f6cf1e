package acme

import (
	"strings"
	"testing"
)

// Let's Encrypt's (Boulder's) wording, as certbot 2.x prints it; pebble's
// own wording is covered by the tests that run pebble.
func TestClassifyNamesLetsEncryptsRefusals(t *testing.T) {
	r := Request{Domain: "mta.example.com", Webroot: "/var/www/letsencrypt", LogsDir: "/var/log/letsencrypt"}
	for _, c := range []struct {
		name, output string
		kind         Kind
		want         string
	}{
		{"rate limit", "An unexpected error occurred:\nError creating new order :: too many certificates (5) already issued for this exact set of domains in the last 168 hours: mta.example.com, retry after 2026-12-05T10:00:00Z: see https://letsencrypt.org/docs/rate-limits/", KindRateLimit, "rate limit"},
		{"nxdomain", "  Domain: mta.example.com\n  Type:   dns\n  Detail: DNS problem: NXDOMAIN looking up A for mta.example.com - check that a DNS record exists for this domain", KindName, "does not resolve"},
		{"404", "  Domain: mta.example.com\n  Type:   unauthorized\n  Detail: 203.0.113.5: Invalid response from http://mta.example.com/.well-known/acme-challenge/abc: 404", KindPort80, "answered 404"},
		{"firewall", "  Domain: mta.example.com\n  Type:   connection\n  Detail: 203.0.113.5: Fetching http://mta.example.com/.well-known/acme-challenge/abc: Timeout during connect (likely firewall problem)", KindPort80, "could not connect to port 80"},
		{"caa", "  Type:   caa\n  Detail: CAA record for example.com prevents issuance", KindCAA, "CAA"},
		{"other", "Something new went wrong", KindOther, "Something new went wrong"},
	} {
		f := Classify(r, c.output)
		if f.Kind != c.kind || !strings.Contains(f.Error(), c.want) || f.Fix == "" {
			t.Errorf("%s: Classify = kind %d %q, want kind %d mentioning %q with a fix", c.name, f.Kind, f.Error(), c.kind, c.want)
		}
	}
}

func TestArgsRegisterWithoutEmailOnlyWhenNoneIsGiven(t *testing.T) {
	r := Request{Domain: "mta.example.com", Webroot: "/w", ConfigDir: "/c", WorkDir: "/k", LogsDir: "/l"}
	if got := strings.Join(r.Args(), " "); !strings.Contains(got, "--register-unsafely-without-email") || !strings.Contains(got, "--server "+LetsEncrypt) ||
		!strings.HasPrefix(got, "certonly --webroot -w /w -d mta.example.com --non-interactive --agree-tos") {
		t.Errorf("args without e-mail = %s", got)
	}
	r.Email, r.Server = "ops@example.com", LetsEncryptStaging
	if got := strings.Join(r.Args(), " "); strings.Contains(got, "unsafely") || !strings.Contains(got, "--email ops@example.com") || !strings.Contains(got, "--server "+LetsEncryptStaging) {
		t.Errorf("args with e-mail and staging = %s", got)
	}
}
