package ui

import (
	"strings"
	"testing"
	"time"
)

func TestTopQueuesSaysHowManyAreNotShown(t *testing.T) {
	sum := scrapeMsg{sum: testSummary(), latency: 34 * time.Millisecond, at: fixedNow}
	m := atDashboard(80, 24, sum, press("tab"))
	s := screenText(m)
	n := len(m.dashboardScreen().metrics.sum.TopQueues)
	if !strings.Contains(s, "Top queues") {
		t.Fatalf("no top queues at 80x24:\n%s", s)
	}
	if !strings.Contains(s, " of "+itoa(n)+" (a taller window shows more)") {
		t.Errorf("the top queues are cut with no hint that there are %d:\n%s", n, s)
	}
	if s := screenText(atDashboard(120, 40, sum)); strings.Contains(s, "a taller window shows more") {
		t.Errorf("at 120x40 every queue fits, yet the hint shows:\n%s", s)
	}
}

func TestAPageWithTwoWarningsKeepsEveryFieldAt80x24(t *testing.T) {
	opt := prefilled()
	d := *opt.Prefill
	d.ProxyHost = "mta.example.com"  // a host name: warned
	opt.Prefill, opt.Demo = &d, true // the demo's banner takes a line
	m := atPage(opt, pageProxy, 80, 24)
	// The focus on the last field: huh scrolls the page to it.
	for range 3 {
		m = send(m, press("tab"))
	}
	s := screenText(m)
	for _, want := range []string{"KumoProxy host", "KumoProxy port", "Public egress IP", "HELO name", "> mta.example.com", "! proxy_host:", "! proxy_public_ip:"} {
		if !strings.Contains(s, want) {
			t.Errorf("at 80x24 with two warnings the page lacks %q:\n%s", want, s)
		}
	}
}
