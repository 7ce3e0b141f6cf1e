package model

import (
	"strings"
	"testing"
)

func TestParseAnswers(t *testing.T) {
	a, err := ParseAnswers([]byte("domain: mta.example.com\nwebhook_url: https://app.example.com/e\nproxy_host: 10.0.0.5\nproxy_public_ip: 8.8.4.4\nhelo: mail.example.com\ninjection_token_file: /root/inj\nfirewall:\n  app_addresses: [192.0.2.0/24]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Domain != "mta.example.com" || a.ProxyHost != "10.0.0.5" || a.InjectionTokenFile != "/root/inj" || len(a.Firewall.AppAddresses) != 1 {
		t.Fatalf("parsed %+v", a)
	}
}

func TestParseAnswersRejectsUnknownKeyByName(t *testing.T) {
	_, err := ParseAnswers([]byte("domain: mta.example.com\nproxy_hots: 10.0.0.5\n"))
	if err == nil || !strings.Contains(err.Error(), "proxy_hots") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseAnswersRefusesInlineSecrets(t *testing.T) {
	_, err := ParseAnswers([]byte("domain: mta.example.com\ninjection_token: " + testInjection + "\n"))
	if err == nil || !strings.Contains(err.Error(), "injection_token_file") || strings.Contains(err.Error(), testInjection) {
		t.Fatalf("err = %v", err)
	}
}

func TestMarshalAnswersHasNoSecretAndRoundTrips(t *testing.T) {
	d := validDeployment()
	out, err := MarshalAnswers(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), testInjection) || strings.Contains(string(out), testWebhook) {
		t.Fatalf("secret in kumoup.yaml:\n%s", out)
	}
	a, err := ParseAnswers(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	d.InjectionToken, d.WebhookToken = "", ""
	if a.Domain != d.Domain || a.HELO != d.HELO || a.Listener != d.Listener || a.MaxBody != d.MaxBody || a.ProxyPort != d.ProxyPort {
		t.Fatalf("round trip: %+v\n%s", a.Deployment, out)
	}
}

func TestParseAnswersNamesUnknownKeysByPathLineAndNearestKnownKey(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"top-level typo", "domain: mta.example.com\nproxy_hots: 10.0.0.5\n", `line 2: unknown key "proxy_hots": did you mean "proxy_host"?`},
		{"nested typo", "domain: mta.example.com\nsmtp_proxy:\n  enabled: true\n  # a comment\n  lisen: 0.0.0.0:25\n", `line 5: unknown key "smtp_proxy.lisen": did you mean "smtp_proxy.listen"?`},
		{"nothing close", "domain: mta.example.com\nfirewall:\n  colour: blue\n", `line 3: unknown key "firewall.colour": check the spelling`},
		{"flow style", "domain: mta.example.com\nfirewall: {ssh_prot: 22}\n", `line 2: unknown key "firewall.ssh_prot": did you mean "firewall.ssh_port"?`},
		{"flow style after block keys", "domain: mta.example.com\nsmtp_proxy: {enabled: true, lisen: x}\n", `line 2: unknown key "smtp_proxy.lisen": did you mean "smtp_proxy.listen"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAnswers([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseAnswersNamesTheYAMLKeyOfAValueOfTheWrongKind(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"word for a port", "domain: mta.example.com\nproxy_port: five\n", `line 2: proxy_port: "five" is not a port: use a number from 1 to 65535`},
		{"nested", "firewall:\n  ssh_port: x\n", `line 2: firewall.ssh_port: "x" is not a port`},
		{"negative port in quotes", "domain: mta.example.com\nproxy_port: \"-1\"\n", `line 2: proxy_port: "-1" is not a port: use a number from 1 to 65535`},
		{"port too large for an int", "proxy_port: 99999999999999999999\n", `line 1: proxy_port: "99999999999999999999" is not a port`},
		{"fraction for a port", "proxy_port: 1.5\n", `proxy_port: 1.5 is not a port`},
		{"zero port", "domain: mta.example.com\nproxy_port: 0\n", `proxy_port: 0 is not a port: use a number from 1 to 65535, or leave the key out for its default`},
		{"zero nested port", "firewall:\n  ssh_port: 0\n", `firewall.ssh_port: 0 is not a port`},
		{"number for a mapping", "firewall: 3\n", `line 1: firewall: "3" is not a mapping of keys`},
		{"mapping for a text", "domain:\n  name: mta.example.com\n", `line 2: domain: want a text value here`},
		{"flow mapping for a text", "firewall:\n  outbound: {x: 1}\n", `line 2: firewall.outbound: a mapping is not a text value`},
		{"flow list for a text", "domain: [a, b]\n", `line 1: domain: a list is not a text value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAnswers([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "Go struct field") {
				t.Errorf("error names a Go field instead of the answers key: %v", err)
			}
		})
	}
}

func TestEditDistanceCountsASwapAsOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"proxy_hots", "proxy_host", 1}, {"helo", "helo", 0}, {"lisen", "listen", 1}, {"colour", "listen", 6}, {"", "abc", 3}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestParseAnswersNeverRepeatsATokenPastedIntoTheFile: answers files end up
// in CI logs; a token put where it does not belong is refused without
// being printed, and the error still points at its line.
func TestParseAnswersNeverRepeatsATokenPastedIntoTheFile(t *testing.T) {
	for _, tc := range []struct{ name, in, line string }{
		{"bare token line", "domain: mta.example.com\n" + testInjection + "\n", "2:"},
		{"token as a port", "domain: mta.example.com\nproxy_port: " + testInjection + "\n", "line 2"},
		{"token as a key", "domain: mta.example.com\n" + testInjection + ": x\n", "line 2"},
		{"broken quoting", "domain: mta.example.com\nwebhook_url: \"" + testInjection + "\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAnswers([]byte(tc.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), testInjection) {
				t.Fatalf("error repeats the token: %v", err)
			}
			if !strings.Contains(err.Error(), tc.line) {
				t.Errorf("error %q does not point at %q", err, tc.line)
			}
		})
	}
	_, err := ParseAnswers([]byte("proxy_port: five\n"))
	if err == nil || !strings.Contains(err.Error(), `"five"`) {
		t.Errorf("a short wrong value is no longer quoted: %v", err)
	}
}

func TestParseAnswersAcceptsARealPort(t *testing.T) {
	a, err := ParseAnswers([]byte("domain: mta.example.com\nproxy_port: 5000\nfirewall:\n  ssh_port: 2222\n"))
	if err != nil || a.ProxyPort != 5000 || a.Firewall.SSHPort != 2222 {
		t.Fatalf("ParseAnswers = %+v, %v; want ports 5000 and 2222", a, err)
	}
}

func TestValidateMaxBodyRefusesTinyAndWarnsUnderOneMegabyte(t *testing.T) {
	for _, tc := range []struct {
		in         string
		warn, fail string
	}{
		{"25m", "", ""},
		{"1m", "", ""},
		{"1024k", "", ""},
		{"1k", "", `"1k" (1024 bytes) is too small for mail`},
		{"65535", "", "too small"},
		{"64k", "under 1m", ""},
		{"512k", "too-small body limit the deployment guides warn about", ""},
	} {
		warn, err := ValidateMaxBody(tc.in)
		if (tc.fail == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.fail) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.fail)
		}
		if (tc.warn == "") != (warn == nil) || warn != nil && !strings.Contains(warn.Error(), tc.warn) {
			t.Errorf("%s: warning %v, want %q", tc.in, warn, tc.warn)
		}
	}
	d := Deployment{MaxBody: "512k"}.WithDefaults()
	if w := d.Validate().For("max_body"); len(w) != 1 || !strings.Contains(w[0].Message, "25m") {
		t.Errorf("Validate: max_body problems %v, want one warning naming the default", w)
	}
}
