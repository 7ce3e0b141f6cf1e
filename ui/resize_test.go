package ui

import (
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
)

// TestEveryScreenFitsTheWindowAcrossResizes resizes each screen through a
// series of sizes and checks every frame fills the window exactly.
func TestEveryScreenFitsTheWindowAcrossResizes(t *testing.T) {
	screens := map[string]func(t *testing.T) Model{
		"preflight": func(t *testing.T) Model { return atPreflight(prefilled(), 80, 24) },
		"wizard":    func(t *testing.T) Model { return atPage(prefilled(), pageProxy, 80, 24) },
		"review":    func(t *testing.T) Model { return atReview(t, prefilled(), 80, 24) },
		"connection": func(t *testing.T) Model {
			return atConnection(t, 80, 24)
		},
		"nextsteps": func(t *testing.T) Model { return send(atConnection(t, 80, 24), press("enter")) },
		"dashboard": func(t *testing.T) Model {
			return atDashboard(80, 24,
				scrapeMsg{sum: testSummary(), latency: time.Millisecond, at: fixedNow},
				checksMsg{results: testResults(30, true), at: fixedNow})
		},
	}
	sizes := [][2]int{{120, 40}, {100, 30}, {99, 30}, {81, 25}, {200, 60}, {80, 24}}
	for name, build := range screens {
		t.Run(name, func(t *testing.T) {
			m := build(t)
			for _, s := range sizes {
				m = sized(m, s[0], s[1])
				lines := strings.Split(screenText(m), "\n")
				if len(lines) != s[1] {
					t.Errorf("%dx%d: %d lines", s[0], s[1], len(lines))
				}
				for i, l := range lines {
					if w := lipgloss.Width(l); w > s[0] {
						t.Errorf("%dx%d: line %d is %d cells wide", s[0], s[1], i+1, w)
					}
				}
			}
		})
	}
}

// TestTinyWindowsDoNotBreakAnyScreen shrinks every screen far below 80x24:
// the views may be cut, but nothing panics.
func TestTinyWindowsDoNotBreakAnyScreen(t *testing.T) {
	builders := []func(t *testing.T) Model{
		func(t *testing.T) Model { return atPreflight(prefilled(), 80, 24) },
		func(t *testing.T) Model { return atPage(prefilled(), pageProxy, 80, 24) },
		func(t *testing.T) Model { return atReview(t, prefilled(), 80, 24) },
		func(t *testing.T) Model { return send(atConnection(t, 80, 24), press("enter")) },
		func(t *testing.T) Model {
			return atDashboard(80, 24,
				scrapeMsg{sum: testSummary(), latency: time.Millisecond, at: fixedNow},
				checksMsg{results: testResults(30, true), at: fixedNow})
		},
	}
	for _, build := range builders {
		m := build(t)
		for _, s := range [][2]int{{40, 12}, {20, 5}, {1, 1}, {0, 0}, {80, 24}} {
			m = sized(m, s[0], s[1])
			_ = m.View()
			m = send(m, press("down"), press("up"), press("tab"))
			_ = m.View()
		}
	}
}
