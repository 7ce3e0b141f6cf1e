package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/probes/metrics"
)

// A scrape taking more than a quarter of the interval lengthens it, and the
// metrics pane says so; fast scrapes bring it back.
func TestDashboardLengthensItsRefreshWhenScrapesAreSlowAndSaysSo(t *testing.T) {
	scrape := func(took time.Duration) scrapeMsg {
		return scrapeMsg{sum: testSummary(), latency: took, at: fixedNow}
	}
	m := atDashboard(120, 40)
	base := m.dashboardScreen().cfg.scrapeEvery
	if base != 2*time.Second {
		t.Fatalf("test options scrape every %v, want the default 2s", base)
	}
	for _, step := range []struct {
		took  time.Duration
		every time.Duration
		says  string
	}{
		{100 * time.Millisecond, 2 * time.Second, ""},
		{1300 * time.Millisecond, 5200 * time.Millisecond, "refreshing every 5.2s, not 2s, while a scrape takes 1.3s"},
		{1 * time.Second, 5200 * time.Millisecond, "refreshing every 5.2s, not 2s, while a scrape takes 1s"},
		{300 * time.Millisecond, 2600 * time.Millisecond, "refreshing every 2.6s, not 2s"},
		{300 * time.Millisecond, 2 * time.Second, ""},
	} {
		m = send(m, scrape(step.took))
		if m.dashboardScreen().metrics.every != step.every {
			t.Errorf("after a scrape of %v: refresh every %v, want %v", step.took, m.dashboardScreen().metrics.every, step.every)
		}
		view := ansi.Strip(m.View().Content)
		if step.says != "" && !strings.Contains(strings.Join(strings.Fields(view), " "), step.says) {
			t.Errorf("after a scrape of %v the pane does not say %q:\n%s", step.took, step.says, view)
		}
		if step.says == "" && strings.Contains(view, "refreshing every") {
			t.Errorf("after a scrape of %v at the configured interval, the pane still talks of it:\n%s", step.took, view)
		}
	}
}

// A scrape that times out lengthens the interval too: it took at least the
// deadline, three quarters of the interval.
func TestDashboardLengthensItsRefreshWhenAScrapeTimesOut(t *testing.T) {
	timeout := scrapeMsg{err: &metrics.ScrapeError{Kind: metrics.KindTimeout, URL: "https://mta.example.com/metrics"}, latency: 1500 * time.Millisecond, at: fixedNow}
	m := atDashboard(120, 40, timeout)
	if m.dashboardScreen().metrics.every != 6*time.Second {
		t.Errorf("after a timed-out scrape: refresh every %v, want 6s", m.dashboardScreen().metrics.every)
	}
	if view := strings.Join(strings.Fields(ansi.Strip(m.View().Content)), " "); !strings.Contains(view, "refreshing every 6s, not 2s, while a scrape takes 1.5s") {
		t.Errorf("the pane does not say the interval is longer:\n%s", view)
	}
	refused := scrapeMsg{err: &metrics.ScrapeError{Kind: metrics.KindUnauthorizedByNginx, URL: "https://mta.example.com/metrics", Status: 401}, latency: 1500 * time.Millisecond, at: fixedNow}
	if m = atDashboard(120, 40, refused); m.dashboardScreen().metrics.every != 2*time.Second {
		t.Errorf("after a refused scrape: refresh every %v, want 2s (only slowness lengthens it)", m.dashboardScreen().metrics.every)
	}
}
