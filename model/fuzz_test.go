package model

import (
	"net/url"
	"strings"
	"testing"
)

// safeForConfig is the property every validator promises: an accepted value
// contains nothing that could break out of a config line.
func safeForConfig(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\"'`;{}$#\\ \t\r\n") {
		t.Fatalf("%s accepted %q", what, s)
	}
	for _, r := range s {
		if r > 0x7e || r < 0x20 {
			t.Fatalf("%s accepted non-printable/non-ASCII %q", what, s)
		}
	}
}

func FuzzValidateDomain(f *testing.F) {
	for _, s := range []string{"mta.example.com", "a;b.c", "x.y\n", "ｍ.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateDomain(s) == nil {
			safeForConfig(t, "domain", s)
			if len(s) > 253 || !strings.Contains(s, ".") {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

func FuzzValidateToken(f *testing.F) {
	f.Add(testInjection)
	f.Add("a\\Eb" + strings.Repeat("x", 40))
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateToken(s)
		if err == nil {
			safeForConfig(t, "token", s)
			if len(s) < MinTokenLength || strings.Contains(s, `\E`) {
				t.Fatalf("accepted %q", s)
			}
		} else if len(s) >= 8 && strings.Contains(err.Error(), s) {
			t.Fatalf("error repeats token")
		}
	})
}

func FuzzValidateWebhookURL(f *testing.F) {
	f.Add("https://app.example.com/x?a=b")
	f.Add("https://u:p@x.example.com")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateWebhookURL(s) == nil {
			// '@' may appear in a path; only credentials before the host are
			// refused. The scheme is lower case: the Lua module compares it.
			u, err := url.Parse(s)
			if !strings.HasPrefix(s, "https://") || strings.ContainsAny(s, "\"'`;{}$#\\ \t\r\n") || err != nil || u.User != nil || u.Host == "" {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

func FuzzValidateListener(f *testing.F) {
	f.Add("127.0.0.1:8000")
	f.Add("0.0.0.0:8000")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateListener(s) == nil {
			safeForConfig(t, "listener", s)
			if strings.HasPrefix(s, "0.") || strings.HasPrefix(s, "[::]") {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

func FuzzValidateHostsAndIPs(f *testing.F) {
	f.Add("10.0.0.5")
	f.Add("proxy.example.com")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ValidateProxyHost(s); err == nil {
			safeForConfig(t, "proxy_host", strings.ReplaceAll(s, ":", ""))
		}
		if _, err := ValidatePublicIP(s); err == nil {
			safeForConfig(t, "proxy_public_ip", s)
		}
		if ValidateAbsPath(s) == nil {
			safeForConfig(t, "path", s)
		}
		if n, err := ParseSize(s); err == nil && (n <= 0 || n > MaxBodyLimit) {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}

func FuzzParseEnv(f *testing.F) {
	f.Add([]byte("A=1\nB=\"x\\\"y\"\n# c\n"))
	f.Add([]byte("A='x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseEnv(data)
		if err != nil {
			return
		}
		for k := range vars {
			if !validEnvName(k) {
				t.Fatalf("bad name %q", k)
			}
		}
	})
}

// FuzzEnvRoundTrip: for any deployment that validates, the environment file
// (KEY=VALUE, unquoted, as the writer renders it) parses back exactly.
func FuzzEnvRoundTrip(f *testing.F) {
	f.Add("https://app.example.com/e?a=b", "10.0.0.5", 5000, "8.8.4.4", "mail.example.com")
	f.Fuzz(func(t *testing.T, url, host string, port int, ip, helo string) {
		d := validDeployment()
		d.WebhookURL, d.ProxyHost, d.ProxyPort, d.ProxyPublicIP, d.HELO = url, host, port, ip, helo
		if !d.Validate().OK() {
			return
		}
		var b strings.Builder
		for _, v := range d.Env() {
			b.WriteString("# " + v.Comment + "\n" + v.Name + "=" + v.Value + "\n")
		}
		vars, err := ParseEnv([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		var back Deployment
		back.ApplyEnv(vars)
		if back.WebhookURL != d.WebhookURL || back.ProxyHost != d.ProxyHost || back.ProxyPort != d.ProxyPort || back.ProxyPublicIP != d.ProxyPublicIP || back.HELO != d.HELO || back.WebhookToken != d.WebhookToken {
			t.Fatalf("round trip: %+v vs %+v", back, d)
		}
	})
}

// FuzzParseAnswers: any answers file either parses or gives one error that
// never repeats an inline token, and the error path (line numbers, key
// paths, suggestions) never panics.
func FuzzParseAnswers(f *testing.F) {
	for _, s := range []string{
		"domain: mta.example.com\nproxy_hots: 1\n",
		"firewall:\n  # c\n  bogus: 1\n",
		"smtp_proxy:\n  lisen: x\n",
		"proxy_port: abc\n",
		"domain:\n  a: b\n",
		"firewall: {bogus: 1}\n",
		"injection_token: " + testInjection + "\n",
		"- a\n- b\n",
		"\t: :\n  -\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseAnswers(data)
		if err != nil && strings.Contains(err.Error(), testInjection) {
			t.Fatalf("error repeats the inline token: %v", err)
		}
	})
}
