package metrics

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
)

// A fixed test token, never a real secret.
const targetTestToken = "inj_TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT"

func targetOf(d model.Deployment) *probes.Target {
	if d.Domain == "" {
		d.Domain = "mta.example.com"
	}
	if d.InjectionToken == "" {
		d.InjectionToken = targetTestToken
	}
	return &probes.Target{Deployment: d}
}

func TestConfigForScrapesTheDeploymentsEndpointWithItsToken(t *testing.T) {
	cfg, withheld, err := ConfigFor(targetOf(model.Deployment{}), Endpoint{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "https://mta.example.com/metrics" || cfg.Token != targetTestToken || withheld != "" {
		t.Errorf("URL %q, token sent %v, withheld %q; want the deployment's endpoint and token", cfg.URL, cfg.Token == targetTestToken, withheld)
	}
	if cfg.DialContext != nil || cfg.InsecureSkipVerify {
		t.Errorf("a plain deployment got a dialer or skips verification: %+v", cfg)
	}
}

func TestConfigForKeepsTheTargetsPortTrustAndRouting(t *testing.T) {
	tg := targetOf(model.Deployment{})
	tg.HTTPSPort = 8443
	tg.ConnectTo = map[string]string{"mta.example.com:8443": "127.0.0.1:1"}
	cfg, _, err := ConfigFor(tg, Endpoint{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.URL != "https://mta.example.com:8443/metrics" {
		t.Errorf("URL %q, want the target's HTTPS port", cfg.URL)
	}
	if cfg.DialContext == nil {
		t.Error("ConnectTo is not used to dial")
	}
}

func TestConfigForSendsATokenOnlyWhereStatusWould(t *testing.T) {
	cases := []struct {
		name     string
		insecure bool
		e        Endpoint
		sent     string // the token sent, "" for none
		withheld string // in the reason, "" for none
	}{
		{name: "the deployment's own URL given", e: Endpoint{URL: "https://MTA.example.com/metrics"}, sent: targetTestToken},
		{name: "the deployment's token to another name", e: Endpoint{URL: "https://other.example.com/metrics"}, withheld: "only to its own name mta.example.com"},
		{name: "a token file for another name", e: Endpoint{URL: "https://other.example.com/metrics", Token: "tokenFOR_other"}, sent: "tokenFOR_other"},
		{name: "plain http", e: Endpoint{URL: "http://mta.example.com/metrics"}, withheld: "only over https"},
		{name: "plain http with a token file", e: Endpoint{URL: "http://127.0.0.1:8000/metrics", Token: "tokenFOR_other"}, withheld: "only over https"},
		{name: "insecure", insecure: true, withheld: "unverified TLS"},
		{name: "insecure with a token file", insecure: true, e: Endpoint{Token: "tokenFOR_other"}, withheld: "unverified TLS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := targetOf(model.Deployment{})
			tg.Insecure = c.insecure
			cfg, withheld, err := ConfigFor(tg, c.e)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token != c.sent {
				t.Errorf("token sent: %v, want %v", cfg.Token != "", c.sent != "")
			}
			if c.withheld == "" && withheld != "" || !strings.Contains(withheld, c.withheld) {
				t.Errorf("withheld %q, want it to say %q", withheld, c.withheld)
			}
			if strings.Contains(withheld, targetTestToken) {
				t.Errorf("the reason shows the token: %q", withheld)
			}
			if cfg.InsecureSkipVerify != c.insecure {
				t.Errorf("InsecureSkipVerify %v, want %v", cfg.InsecureSkipVerify, c.insecure)
			}
		})
	}
}

func TestConfigForWithoutADomainOrWithABadURLFails(t *testing.T) {
	if _, _, err := ConfigFor(&probes.Target{}, Endpoint{}); err == nil || !strings.Contains(err.Error(), "no domain") {
		t.Errorf("no domain, no URL: err %v, want one saying the domain is missing", err)
	}
	if _, _, err := ConfigFor(targetOf(model.Deployment{}), Endpoint{URL: "mta.example.com/metrics"}); err == nil || !strings.Contains(err.Error(), "absolute http(s) URL") {
		t.Errorf("relative URL: err %v, want one asking for an absolute URL", err)
	}
	cfg, _, err := ConfigFor(&probes.Target{}, Endpoint{URL: "https://mta.example.com/metrics", Token: "tokenFOR_other"})
	if err != nil || cfg.Token != "tokenFOR_other" {
		t.Errorf("a URL and token without a deployment: err %v, token sent %v", err, cfg.Token != "")
	}
}
