package model

import (
	"strings"
	"testing"
)

// benchAnswers is a full answers file, every section set.
const benchAnswers = `domain: mta.example.com
acme_email: ops@example.com
webhook_url: https://app.example.com/kumo/events
proxy_host: 10.0.0.5
proxy_port: 5000
proxy_public_ip: 8.8.4.4
helo: mail.example.com
sending_domains:
  - example.com
  - news.example.com
max_body: 25m
listener: 127.0.0.1:8000
injection_token_file: /root/injection.token
webhook_token_file: /root/webhook.token
firewall:
  app_addresses: [192.0.2.0/24, 2001:db8::/48]
  prometheus_addresses: [192.0.2.10]
  ssh_port: 22
smtp_proxy:
  enabled: true
  listen: 0.0.0.0:25
`

// BenchmarkParseAnswers is what reading an answers file (kumoup apply
// --answers, /etc/kumoup/kumoup.yaml on every status) costs.
func BenchmarkParseAnswers(b *testing.B) {
	data := []byte(benchAnswers)
	if _, err := ParseAnswers(data); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAnswers(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseAnswersDecodesTheTreeItLooksAt: the keys ParseAnswers checks
// come from the same document it decodes, anchors and merge keys resolved:
// a token merged in from an anchor is refused, a fraction behind an alias
// is caught, and of several documents the first with a value is read.
func TestParseAnswersDecodesTheTreeItLooksAt(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"token merged in", "base: &b {injection_token: " + testInjection + "}\n<<: *b\n", "injection_token: secrets are not accepted inline"},
		{"fraction behind an alias", "max_body: &n 1.5\nproxy_port: *n\n", "proxy_port: 1.5 is not a port"},
		{"null document", "~\n", "answers file is not valid YAML"},
		{"broken later document", "domain: mta.example.com\n---\nhelo: *missing\n", "answers file is not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAnswers([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testInjection) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	a, err := ParseAnswers([]byte("# only comments\n---\ndomain: mta.example.com\n---\ndomain: other.example.com\n"))
	if err != nil || a.Domain != "mta.example.com" {
		t.Fatalf("ParseAnswers = %q, %v; want the first document with a value", a.Domain, err)
	}
	if a, err := ParseAnswers([]byte("# only comments\n")); err != nil || a.Domain != "" {
		t.Fatalf("comments only: %+v, %v", a, err)
	}
}
