package ui

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/probes"
)

func TestDashboardScrapesWithTheTokenRulesOfKumoupMetrics(t *testing.T) {
	d := testDeployment()
	opt := testOptions(goldenRoot)
	opt.Start, opt.Prefill = StartDashboard, &d

	opt.Target = &probes.Target{HTTPSPort: 8443}
	c := NewModel(opt).dashboardConfig()
	if c.scrape.URL != "https://mta.example.com:8443/metrics" || c.scrape.Token != testInjectionToken || c.withheld != "" {
		t.Errorf("verified https: url %q, token sent %v, withheld %q; want the deployment's URL and token", c.scrape.URL, c.scrape.Token == testInjectionToken, c.withheld)
	}

	opt.Target = &probes.Target{Insecure: true}
	c = NewModel(opt).dashboardConfig()
	if c.scrape.Token != "" || !c.scrape.InsecureSkipVerify || !strings.Contains(c.withheld, "not sent over unverified TLS") {
		t.Errorf("insecure: token sent %v, skip verify %v, withheld %q; want no token and the reason", c.scrape.Token != "", c.scrape.InsecureSkipVerify, c.withheld)
	}
	screen := screenText(sized(NewModel(opt), 120, 40))
	if !strings.Contains(screen, "the token is not sent over unverified TLS") {
		t.Errorf("the metrics pane does not say the token is held back:\n%s", screen)
	}
	if strings.Contains(screen, testInjectionToken) {
		t.Error("the screen shows the token")
	}
}
