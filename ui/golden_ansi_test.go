package ui

import (
	"errors"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kumoup/kumoup/writer"
)

// backgrounds are the terminal backgrounds the colored goldens are drawn
// on: the help line and huh's theme pick their variant from it.
var backgrounds = []struct {
	name string
	bg   color.Color
}{
	{"dark", color.Black},
	{"light", color.White},
}

// TestScreensANSI keeps each screen's escape codes, next to the stripped
// goldens (which only see the text): one golden per screen, on a dark and
// on a light background, at 80x24. A change of a color, of what is bold or
// reversed, or of which variant the background picks shows here.
func TestScreensANSI(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	screens := []struct {
		name  string
		build func(t *testing.T) Model
	}{
		{"preflight", func(t *testing.T) Model { return atPreflight(prefilled(), 80, 24) }},
		{"wizard", func(t *testing.T) Model { return atPage(prefilled(), pageHost, 80, 24) }},
		{"review", func(t *testing.T) Model { return atReview(t, prefilled(), 80, 24) }},
		{"apply_failed", func(t *testing.T) Model {
			m := atReview(t, prefilled(), 80, 24)
			a := newApplyView(m.reviewScreen().msg.plan, m.host, m.st, m.keys)
			m.screens[screenApplied] = a
			m.open(screenApplying, a)
			changes := m.reviewScreen().msg.plan.Changes
			r := &writer.Report{}
			for i, c := range changes {
				o := writer.Outcome{Change: c, Status: writer.Written}
				if i == 1 {
					o.Status, o.Err = writer.Failed, errors.New("rename: read-only file system")
				}
				r.Outcomes = append(r.Outcomes, o)
			}
			return send(m, applyDoneMsg{report: r, err: errors.New("rename: read-only file system")})
		}},
		{"connection", func(t *testing.T) Model { return atConnection(t, 80, 24) }},
		{"next_steps", func(t *testing.T) Model { return send(atConnection(t, 80, 24), press("enter")) }},
		{"dashboard", func(t *testing.T) Model {
			return atDashboard(80, 24,
				scrapeMsg{sum: testSummary(), latency: 34 * time.Millisecond, at: fixedNow},
				checksMsg{results: testResults(30, false), at: fixedNow})
		}},
		{"firewall", func(t *testing.T) Model {
			opt := firewallOptions(testProxyDeployment(), writer.HostProxy, &loadRecorder{})
			return atFirewall(t, opt, 80, 24, nil, typed("app")...)
		}},
	}
	for _, s := range screens {
		for _, b := range backgrounds {
			t.Run(s.name+"/"+b.name, func(t *testing.T) {
				m := s.build(t)
				m = send(m, tea.BackgroundColorMsg{Color: b.bg})
				v := m.View().Content
				if !strings.Contains(v, "\x1b[") {
					t.Fatalf("the %s screen has no escape code: colors are off", s.name)
				}
				golden.RequireEqual(t, v)
			})
		}
	}
}
