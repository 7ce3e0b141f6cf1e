package model

import (
	"strings"
	"testing"
)

const (
	testInjection = "inj_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	testWebhook   = "whk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func validDeployment() Deployment {
	return Deployment{
		Domain:         "mta.example.com",
		InjectionToken: testInjection,
		WebhookToken:   testWebhook,
		WebhookURL:     "https://app.example.com/kumo/events",
		ProxyHost:      "10.0.0.5",
		ProxyPublicIP:  "8.8.4.4",
		HELO:           "mail.example.com",
	}.WithDefaults()
}

func TestValidDeploymentHasNoProblems(t *testing.T) {
	p := validDeployment().Validate()
	if len(p.Errors) != 0 || len(p.Warnings) != 0 {
		t.Fatalf("want no problems, got %+v", p)
	}
}

func TestWithDefaultsDerivesCertificatePathsFromDomain(t *testing.T) {
	d := validDeployment()
	if d.TLSCertificate != "/etc/letsencrypt/live/mta.example.com/fullchain.pem" ||
		d.TLSCertificateKey != "/etc/letsencrypt/live/mta.example.com/privkey.pem" {
		t.Fatalf("cert paths = %q, %q", d.TLSCertificate, d.TLSCertificateKey)
	}
	if d.ACMEWebroot != DefaultACMEWebroot || d.ProxyPort != 5000 || d.MaxBody != "25m" || d.Listener != "127.0.0.1:8000" {
		t.Fatalf("defaults not applied: %+v", d)
	}
	if d.MaxBodyBytes() != 25<<20 {
		t.Fatalf("MaxBodyBytes = %d", d.MaxBodyBytes())
	}
	// certbot keeps certificates under the lower-case name.
	d.Domain, d.TLSCertificate, d.TLSCertificateKey = "MTA.Example.COM", "", ""
	d = d.WithDefaults()
	if d.TLSCertificate != "/etc/letsencrypt/live/mta.example.com/fullchain.pem" || d.TLSCertificateKey != "/etc/letsencrypt/live/mta.example.com/privkey.pem" {
		t.Fatalf("cert paths for an upper-case domain = %q, %q, want certbot's lower-case live directory", d.TLSCertificate, d.TLSCertificateKey)
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	d := Deployment{Domain: "bad domain", TLSCertificate: "certs/fullchain.pem", TLSCertificateKey: "/etc/ssl/../key.pem", WebhookURL: "http://x.example.com", ProxyPort: 70000, MaxBody: "0", Listener: "0.0.0.0:8000"}
	p := d.Validate()
	want := []string{"domain", "tls_certificate", "tls_certificate_key", "acme_webroot", "injection_token", "webhook_token", "webhook_url", "proxy_host", "proxy_port", "proxy_public_ip", "helo", "max_body", "listener"}
	for _, f := range want {
		if len(p.For(f)) == 0 {
			t.Errorf("no problem reported for %s; got %v", f, p.Errors)
		}
	}
	if p.OK() || p.Err() == nil {
		t.Fatal("invalid deployment reported OK")
	}
	if !strings.Contains(p.Err().Error(), "listener") {
		t.Fatalf("error text lacks listener: %v", p.Err())
	}
}

// TestBadDomainIsNotReportedAgainAsMissingCertificatePaths: the certificate
// paths default from the domain, so with a bad domain and no paths given
// only the domain is wrong; with a good domain and no defaults applied the
// paths are reported as required.
func TestBadDomainIsNotReportedAgainAsMissingCertificatePaths(t *testing.T) {
	d := validDeployment()
	d.Domain, d.TLSCertificate, d.TLSCertificateKey = "mtа.example.com", "", "" // Cyrillic a
	d = d.WithDefaults()
	p := d.Validate()
	if len(p.For("domain")) != 1 || len(p.Errors) != 1 {
		t.Fatalf("want exactly the domain error, got %v", p.Errors)
	}

	d = validDeployment()
	d.TLSCertificate, d.TLSCertificateKey = "", ""
	p = d.Validate()
	for _, f := range []string{"tls_certificate", "tls_certificate_key"} {
		if got := p.For(f); len(got) != 1 || !strings.Contains(got[0].Message, "is required") {
			t.Errorf("%s: got %v, want \"is required\"", f, got)
		}
	}
}

func TestEqualTokensAreAnError(t *testing.T) {
	d := validDeployment()
	d.WebhookToken = d.InjectionToken
	p := d.Validate()
	if len(p.For("webhook_token")) == 0 {
		t.Fatal("equal tokens accepted")
	}
	for _, e := range p.Errors {
		if strings.Contains(e.Message, d.InjectionToken) {
			t.Fatal("message leaks the token")
		}
	}
}

func TestValidateDomain(t *testing.T) {
	ok := []string{"mta.example.com", "a.b", "MTA.Example.COM", "xn--bcher-kva.example", strings.Repeat("a", 63) + ".example.com"}
	bad := map[string]string{
		"":                                 "required",
		"localhost":                        "fully qualified",
		"mta.example.com.":                 "trailing dot",
		"*.example.com":                    "",
		"mta.example.com;":                 "';'",
		"mta.example.com\ninclude /etc/x;": "newline",
		"mta example.com":                  "space",
		"mta.example.com}":                 "'}'",
		"mta.example.com{":                 "'{'",
		"$host.example.com":                "'$'",
		"mta.example.com#":                 "'#'",
		`mta.example.com\`:                 "'\\'",
		`"mta.example.com"`:                `'"'`,
		"mtа.example.com":                  "non-ASCII", // Cyrillic a
		"mta.exam\u200bple.com":            "non-ASCII",
		"-mta.example.com":                 "start or end",
		"mta..example.com":                 "empty label",
		".mta.example.com":                 "empty label",
		"1.2.3.4":                          "IP address",
		strings.Repeat("a", 64) + ".com":   "63",
		strings.Repeat("abcdefghi.", 26):   "253",
		"mta_x.example.com":                "'_'",
		"mta.example.com\t":                "control",
		"mta.example.com:443":              "':'",
		"[::1]":                            "",
		"mta.example.com/path":             "'/'",
		"mta.example.com'; return 200; #'": "",
		"mta.example.com\r":                "control",
		"ｍｔａ.example.com":                  "non-ASCII",
		"mta.example.com\x00":              "control",
		"mta.example.com include x.conf":   "space",
		"mta.example.com;server_name evil": "';'",
	}
	for _, s := range ok {
		if err := ValidateDomain(s); err != nil {
			t.Errorf("ValidateDomain(%q) = %v, want ok", s, err)
		}
	}
	for s, frag := range bad {
		err := ValidateDomain(s)
		if err == nil {
			t.Errorf("ValidateDomain(%q) accepted", s)
			continue
		}
		if frag != "" && !strings.Contains(err.Error(), frag) {
			t.Errorf("ValidateDomain(%q) = %q, want it to mention %q", s, err, frag)
		}
	}
}

func TestValidateToken(t *testing.T) {
	gen, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(gen) != 43 {
		t.Fatalf("generated token has %d chars", len(gen))
	}
	ok := []string{gen, testInjection, strings.Repeat("A", 32), "abcdefghijklmnopqrstuvwxyz012345-._~+/==", strings.Repeat("x", 200)}
	for _, s := range ok {
		if err := ValidateToken(s); err != nil {
			t.Errorf("ValidateToken(%q) = %v", s, err)
		}
	}
	bad := []string{"", "short", strings.Repeat("A", 31), strings.Repeat("A", 32) + `"`, strings.Repeat("A", 32) + " ", strings.Repeat("A", 32) + "\\", strings.Repeat("A", 32) + "$x", "=" + strings.Repeat("A", 32), strings.Repeat("A", 16) + "=" + strings.Repeat("A", 16), strings.Repeat("A", 32) + "é", strings.Repeat("A", 32) + "\\E", strings.Repeat("A", 32) + ";", strings.Repeat("A", 32) + "\n"}
	for _, s := range bad {
		err := ValidateToken(s)
		if err == nil {
			t.Errorf("ValidateToken(%q) accepted", s)
			continue
		}
		if len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Errorf("error repeats the token: %v", err)
		}
	}
	a, _ := NewToken()
	b, _ := NewToken()
	if a == b {
		t.Fatal("two generated tokens are equal")
	}
}

func TestValidateWebhookURL(t *testing.T) {
	ok := []string{"https://app.example.com/kumo/events", "https://app.example.com:8443/x?a=1&b=2", "https://192.0.2.10/hook", "https://[2001:db8::1]/hook", "https://app.example.com"}
	bad := map[string]string{
		"":                                  "required",
		"http://app.example.com/x":          "https",
		"https://user:pw@app.example.com/x": "user:password",
		"https://app.example.com/x#frag":    "remove the #fragment",
		"https://app.example.com/x#":        "remove the #fragment",
		"https:///x":                        "no host",
		"ftp://app.example.com":             "https",
		"https://app.example.com/x y":       "space",
		"https://app.example.com/\"x":       `'"'`,
		"https://app.example.com/$x":        "'$'",
		"https://app.example.com:99999/":    "port",
		"https://app.exa;mple.com/":         "';'",
		"https://app.example.com/x\ny":      "newline",
		"https://аpp.example.com/":          "non-ASCII",
		"https://app.example.com/{x}":       "'{'",
		"//app.example.com/x":               "https",
		"https://app.example.com/" + strings.Repeat("x", MaxURLLength): "at most 2048",
		"HTTPS://app.example.com/x":                                    "write the scheme in lower case: https://app.example.com/x",
		"hTtps://app.example.com":                                      "lower case",
		"https:app.example.com":                                        "no host",
		"https:x":                                                      "no host",
	}
	for _, s := range ok {
		if err := ValidateWebhookURL(s); err != nil {
			t.Errorf("ValidateWebhookURL(%q) = %v", s, err)
		}
	}
	for s, frag := range bad {
		err := ValidateWebhookURL(s)
		if err == nil {
			t.Errorf("ValidateWebhookURL(%q) accepted", s)
			continue
		}
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("ValidateWebhookURL(%q) = %q, want %q", s, err, frag)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error leaks credentials: %v", err)
		}
	}
}

func TestValidateProxyHost(t *testing.T) {
	for _, s := range []string{"10.0.0.5", "203.0.113.9", "2001:db8::5", "fd00::1"} {
		w, err := ValidateProxyHost(s)
		if w != nil || err != nil {
			t.Errorf("ValidateProxyHost(%q) = %v, %v", s, w, err)
		}
	}
	w, err := ValidateProxyHost("proxy.example.com")
	if err != nil || w == nil || !strings.Contains(w.Error(), "IP literal") {
		t.Errorf("host name: warning %v, err %v", w, err)
	}
	for _, s := range []string{"", "0.0.0.0", "::", "fe80::1%eth0", "proxy;x", "proxy host", "[2001:db8::5]", "::ffff:0.0.0.0"} {
		if _, err := ValidateProxyHost(s); err == nil {
			t.Errorf("ValidateProxyHost(%q) accepted", s)
		}
	}
	for s, fix := range map[string]string{"::ffff:10.0.0.5": "write it as 10.0.0.5", "::FFFF:a00:5": "write it as 10.0.0.5"} {
		if _, err := ValidateProxyHost(s); err == nil || !strings.Contains(err.Error(), fix) {
			t.Errorf("ValidateProxyHost(%q) = %v, want %q", s, err, fix)
		}
	}
}

func TestProxyAddressBracketsEveryIPv6Form(t *testing.T) {
	for host, want := range map[string]string{"10.0.0.5": "10.0.0.5:5000", "2001:db8::5": "[2001:db8::5]:5000", "2001:db8:0:0::5": "[2001:db8:0:0::5]:5000", "::ffff:10.0.0.5": "[::ffff:10.0.0.5]:5000"} {
		if got := (Deployment{ProxyHost: host, ProxyPort: 5000}).ProxyAddress(); got != want {
			t.Errorf("ProxyAddress of %q = %q, want %q", host, got, want)
		}
	}
}

func TestValidatePublicIP(t *testing.T) {
	if w, err := ValidatePublicIP("8.8.4.4"); w != nil || err != nil {
		t.Errorf("public: %v %v", w, err)
	}
	if w, err := ValidatePublicIP("2a00:1450:4001::1"); w != nil || err != nil {
		t.Errorf("public v6: %v %v", w, err)
	}
	warns := map[string]string{"203.0.113.7": "documentation", "192.0.2.1": "documentation", "2001:db8::1": "documentation", "10.1.2.3": "private", "192.168.1.1": "private", "127.0.0.1": "loopback", "100.64.0.1": "CGNAT", "240.0.0.1": "reserved", "::1": "loopback", "fd00::1": "private", "169.254.1.1": "link-local"}
	for s, kind := range warns {
		w, err := ValidatePublicIP(s)
		if err != nil || w == nil || !strings.Contains(w.Error(), kind) {
			t.Errorf("ValidatePublicIP(%q) = %v, %v; want %s warning", s, w, err, kind)
		}
	}
	for _, s := range []string{"", "mail.example.com", "1.2.3", "1.2.3.4.5", "::ffff:1.2.3.4.5", "fe80::1%eth0", " 8.8.8.8", "[2a00:1450:4001::1]", "08.8.4.4"} {
		if _, err := ValidatePublicIP(s); err == nil {
			t.Errorf("ValidatePublicIP(%q) accepted", s)
		}
	}
	if _, err := ValidatePublicIP("::ffff:8.8.4.4"); err == nil || !strings.Contains(err.Error(), "write it as 8.8.4.4") {
		t.Errorf("IPv4-mapped public IP: %v, want the plain IPv4 form as the fix", err)
	}
}

func TestValidateListenerRefusesNonLoopback(t *testing.T) {
	for _, s := range []string{"127.0.0.1:8000", "[::1]:8000", "127.0.0.2:18000", "[0:0:0:0:0:0:0:1]:8000"} {
		if err := ValidateListener(s); err != nil {
			t.Errorf("ValidateListener(%q) = %v", s, err)
		}
	}
	bad := map[string]string{"0.0.0.0:8000": "every interface", "[::]:8000": "every interface", "10.0.0.1:8000": "non-loopback", "8.8.8.8:8000": "non-loopback", "localhost:8000": "IP:PORT", "127.0.0.1": "IP:PORT", "": "required", "127.0.0.1:0": "port 0", "127.0.0.1:8000;": "';'", "[::ffff:127.0.0.1]:8000": "write it as 127.0.0.1:8000", "::1:8000": "IP:PORT", "[::1%lo]:8000": "zone"}
	for s, frag := range bad {
		err := ValidateListener(s)
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("ValidateListener(%q) = %v, want %q", s, err, frag)
		}
	}
}

func TestParseSize(t *testing.T) {
	ok := map[string]int64{"25m": 25 << 20, "25M": 25 << 20, "512k": 512 << 10, "1g": 1 << 30, "1048576": 1 << 20}
	for s, want := range ok {
		got, err := ParseSize(s)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "m", "25mb", "-1m", "2g", "1.5m", "25 m", "99999999999999999999"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
}

func TestValidateAbsPath(t *testing.T) {
	for _, s := range []string{"relative/x", "/a/../b", "/a//b", "", "/a b", "/a;b", "/a/b/"} {
		if err := ValidateAbsPath(s); err == nil {
			t.Errorf("ValidateAbsPath(%q) accepted", s)
		}
	}
	if err := ValidateAbsPath("/etc/letsencrypt/live/x.example/fullchain.pem"); err != nil {
		t.Error(err)
	}
	long := "/" + strings.Repeat("d/", (MaxPathLength-3)/2) + "ff" // 4095 characters
	if err := ValidateAbsPath(long); len(long) != MaxPathLength || err != nil {
		t.Errorf("a path of %d characters: %v", len(long), err)
	}
	if err := ValidateAbsPath(long + "f"); err == nil || !strings.Contains(err.Error(), "at most 4095") {
		t.Errorf("a path of %d characters: %.80v, want the length limit", len(long)+1, err)
	}
}

func TestMaskNeverShowsTheSecret(t *testing.T) {
	if m := Mask(testInjection); strings.Contains(m, testInjection[:4]) || m == "" {
		t.Fatalf("Mask = %q", m)
	}
	if Fingerprint(testInjection) == Fingerprint(testWebhook) {
		t.Fatal("fingerprints collide")
	}
}
