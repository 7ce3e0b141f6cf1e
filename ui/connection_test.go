package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/writer"
)

func TestRevealedSecretIsMaskedAgainByItsOwnTick(t *testing.T) {
	m := atConnection(t, 80, 24)
	if strings.Contains(screenText(m), testInjectionToken) {
		t.Fatal("secret shown before v")
	}
	nm, cmd := m.Update(press("v"))
	m = nm.(Model)
	if cmd == nil || !strings.Contains(screenText(m), testInjectionToken) {
		t.Fatal("v did not reveal the secret and arm a re-mask tick")
	}
	first := m.connectionScreen().seq
	m = send(m, press("down"), press("v")) // a second reveal re-arms the timer
	if !strings.Contains(screenText(m), testWebhookToken) {
		t.Fatal("second reveal did not show the webhook secret")
	}
	m = send(m, remaskMsg{seq: first})
	if !strings.Contains(screenText(m), testWebhookToken) {
		t.Fatal("the first reveal's tick masked the second reveal early")
	}
	m = send(m, remaskMsg{seq: m.connectionScreen().seq})
	if s := screenText(m); strings.Contains(s, testWebhookToken) || strings.Contains(s, testInjectionToken) {
		t.Fatal("the re-mask tick left a secret on screen")
	}
	if RevealFor != 10*time.Second {
		t.Fatalf("RevealFor = %v, want 10 s", RevealFor)
	}
}

func TestCopySendsTheSelectedSecretOverOSC52WithoutShowingIt(t *testing.T) {
	m := atConnection(t, 80, 24)
	nm, cmd := m.Update(press("c"))
	m = nm.(Model)
	if cmd == nil {
		t.Fatal("c returned no command")
	}
	if msg := fmt.Sprint(cmd()); !strings.Contains(msg, testInjectionToken) {
		t.Fatalf("clipboard message %q does not carry the selected secret", msg)
	}
	s := screenText(m)
	if strings.Contains(s, testInjectionToken) || !strings.Contains(s, "OSC 52") {
		t.Fatalf("copy showed the secret or did not say where it went:\n%s", s)
	}
}

var sgr = regexp.MustCompile("\x1b\\[([0-9;:]*)m")

// colorParams returns the SGR color parameters found in s.
func colorParams(s string) []string {
	var out []string
	for _, m := range sgr.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if n >= 30 && n <= 49 || n >= 90 && n <= 107 {
				out = append(out, m[0])
			}
		}
	}
	return out
}

func TestNoColorAndDumbTerminalDrawWithoutColors(t *testing.T) {
	for _, env := range [][2]string{{"NO_COLOR", "1"}, {"TERM", "dumb"}} {
		t.Run(env[0]+"="+env[1], func(t *testing.T) {
			t.Setenv(env[0], env[1])
			m := atDashboard(120, 40,
				scrapeMsg{sum: testSummary(), latency: time.Millisecond, at: fixedNow},
				checksMsg{results: testResults(30, true), at: fixedNow})
			if c := colorParams(m.View().Content); len(c) > 0 {
				t.Fatalf("colors drawn: %q", c[:min(len(c), 5)])
			}
			if !strings.Contains(screenText(m), glyphFail) {
				t.Fatal("statuses no longer read without colors")
			}
		})
	}
	t.Run("colors_by_default", func(t *testing.T) {
		t.Setenv("NO_COLOR", "")
		t.Setenv("TERM", "xterm-256color")
		m := atDashboard(120, 40, checksMsg{results: testResults(30, true), at: fixedNow})
		if len(colorParams(m.View().Content)) == 0 {
			t.Fatal("no colors with a color terminal")
		}
	})
}

func TestConnectionValuesShowEverythingKumoupApplyPrintsWithTheSecretsMasked(t *testing.T) {
	m := atConnection(t, 80, 24)
	// Wrapped values read whole without their line breaks and indents.
	s := strings.Join(strings.Fields(screenText(m)), "")
	settings := writer.AppConnection(m.deployment, m.opt.Layout)
	for _, set := range settings {
		if !strings.Contains(s, strings.Join(strings.Fields(set.Label+set.Value), "")) {
			t.Errorf("the screen lacks %q %q that kumoup apply prints:\n%s", set.Label, set.Value, screenText(m))
		}
	}
	// The rows the UI reveals and copies are kumoup apply's secrets.
	for _, sec := range m.connectionScreen().secrets {
		if !slices.ContainsFunc(settings, func(set writer.Setting) bool { return set.Label == sec.label }) {
			t.Errorf("secret row %q is not a label of writer.AppConnection", sec.label)
		}
	}
	if strings.Contains(s, testInjectionToken) || strings.Contains(s, testWebhookToken) {
		t.Error("a secret is shown before it is asked for")
	}
}

func TestConnectionValuesWithLongPathsKeepEveryRowAndTheWayOnAt80x24(t *testing.T) {
	opt := prefilled()
	opt.Demo = true // its banner takes a line
	opt.Layout = writer.Layout{Root: "/tmp/TestDemoWalkthroughAt80x241412368216/001/kumoup-demo-2777929650/host"}
	m := atReview(t, opt, 80, 24)
	m.open(screenConnection, newConnection(m.deployment, m.opt.Layout, m.st, m.keys))
	m = send(m, press("c")) // the OSC 52 note takes two more lines
	s := screenText(m)
	if lines := strings.Split(s, "\n"); len(lines) != 24 {
		t.Fatalf("%d lines at 80x24", len(lines))
	}
	for _, want := range []string{"Base URL", "Webhook URL", "Webhook secret", "kumomta", "OSC 52", "Press enter for the next steps."} {
		if !strings.Contains(s, want) {
			t.Errorf("the screen lacks %q:\n%s", want, s)
		}
	}
}
