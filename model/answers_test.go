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
