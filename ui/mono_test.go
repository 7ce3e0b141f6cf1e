package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestMonochromeTerminalsGetNoColor(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"TERM": "xterm-256color"}, true},
		{map[string]string{"TERM": "xterm-mono"}, false},
		{map[string]string{"TERM": "vt100-m"}, false},
		{map[string]string{"TERM": "dumb"}, false},
		{map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, false},
	} {
		if got := colorWanted(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: color %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestWithoutColorTheSelectionAndTheActiveTabReadInText(t *testing.T) {
	checks := checksMsg{results: testResults(5, false), at: fixedNow}
	opt := testOptions(goldenRoot)
	d := testDeployment()
	opt.Prefill, opt.Start = &d, StartDashboard
	t.Setenv("NO_COLOR", "1")
	m := sized(NewModel(opt), 80, 24)
	m = send(m, checks)
	s := ansi.Strip(m.View().Content)
	if !strings.Contains(s, "[Checks ") {
		t.Errorf("the active tab is not marked in text:\n%s", s)
	}
	sel := m.dashboardScreen().checks.results[0].Title
	if !strings.Contains(s, ">"+sel) {
		t.Errorf("the selected check %q is not marked in text:\n%s", sel, s)
	}
	m = send(m, press("tab"))
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "[Metrics ") || strings.Contains(s, "[Checks ") {
		t.Errorf("after tab, the active tab mark did not move:\n%s", s)
	}
}

func TestWithoutColorAnEmptyFieldsPlaceholderDoesNotReadAsAValue(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	m := atPage(testOptions(goldenRoot), pageWebhook, 80, 24)
	s := ansi.Strip(m.View().Content)
	if !strings.Contains(s, "> e.g. https://app.example.com/webhooks/kumomta") {
		t.Errorf("the webhook URL's placeholder does not say it is an example:\n%s", s)
	}
	m = atPage(testOptions(goldenRoot), pageHost, 80, 24)
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "> (empty: the path above)") {
		t.Errorf("an empty certificate field does not say it is empty:\n%s", s)
	}
}
