package model

import (
	"net/netip"
	"strings"
	"testing"
)

func TestSMTPProxyDefaults(t *testing.T) {
	var s SMTPProxy
	if s.ListenOrDefault() != "25" || s.ListenPort() != 25 || s.ListenAddr().IsValid() || s.AuthPortOrDefault() != 9125 {
		t.Fatalf("defaults: listen %q port %d auth %d", s.ListenOrDefault(), s.ListenPort(), s.AuthPortOrDefault())
	}
	if got := strings.Join(s.CapabilitiesOrDefault(), " "); got != "SIZE 8BITMIME PIPELINING ENHANCEDSTATUSCODES" {
		t.Fatalf("capabilities = %q", got)
	}
	s.Listen = "192.0.2.10:2525"
	if s.ListenPort() != 2525 || s.ListenAddr() != netip.MustParseAddr("192.0.2.10") {
		t.Fatalf("listen parse: %d %v", s.ListenPort(), s.ListenAddr())
	}
}

func TestDisabledSMTPProxyNeedsNoBackend(t *testing.T) {
	d := validDeployment()
	if p := d.Validate(); !p.OK() {
		t.Fatal(p.Err())
	}
}

func TestValidSMTPProxyHasNoProblems(t *testing.T) {
	d := validDeployment()
	d.SMTPProxy = SMTPProxy{Enabled: true, Listen: "[::]:25", Backend: "[::1]:2525", STARTTLS: true, Capabilities: []string{"SIZE 26214400", "8BITMIME", "SMTPUTF8"}, AuthPort: 9200}
	if p := d.Validate(); len(p.Errors)+len(p.Warnings) != 0 {
		t.Fatalf("want no problems, got %+v", p)
	}
}

func TestInvalidSMTPProxyAnswersNameTheFieldAndTheFix(t *testing.T) {
	cases := []struct {
		name  string
		s     SMTPProxy
		field string
		want  string
	}{
		{"enabled without backend", SMTPProxy{Enabled: true}, "smtp_proxy.backend", "is required when smtp_proxy is enabled"},
		{"backend host name", SMTPProxy{Enabled: true, Backend: "mta.example.com:25"}, "smtp_proxy.backend", "IP literal"},
		{"backend unspecified", SMTPProxy{Enabled: true, Backend: "0.0.0.0:2525"}, "smtp_proxy.backend", "unspecified"},
		{"backend is nginx itself", SMTPProxy{Enabled: true, Backend: "127.0.0.1:25"}, "smtp_proxy.backend", "where nginx itself listens"},
		{"listen garbage", SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525", Listen: "smtp"}, "smtp_proxy.listen", "neither a port nor ip:port"},
		{"listen port out of range", SMTPProxy{Listen: "99999"}, "smtp_proxy.listen", "1 to 65535"},
		{"capability starttls", SMTPProxy{Capabilities: []string{"STARTTLS"}}, "smtp_proxy.capabilities[0]", "starttls: true"},
		{"capability auth", SMTPProxy{Capabilities: []string{"8BITMIME", "AUTH PLAIN"}}, "smtp_proxy.capabilities[1]", "smtp_auth none"},
		{"capability injection", SMTPProxy{Capabilities: []string{"SIZE\";}"}}, "smtp_proxy.capabilities[0]", "not allowed"},
		{"capability xclient", SMTPProxy{Capabilities: []string{"XCLIENT"}}, "smtp_proxy.capabilities[0]", "smtp_proxy.xclient"},
		{"auth port equals listen", SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525", Listen: "9125"}, "smtp_proxy.auth_port", "mail listen port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDeployment()
			d.SMTPProxy = c.s
			p := d.Validate()
			for _, e := range p.Errors {
				if e.Field == c.field && strings.Contains(e.Message, c.want) {
					return
				}
			}
			t.Fatalf("no error for %s containing %q; got %v", c.field, c.want, p.Errors)
		})
	}
}
