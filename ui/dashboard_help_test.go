package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestDashboardShortHelpShowsTheRotationKeyWhereItFits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		width  int
		focus  int
		rotate bool
	}{
		{"80 columns, checks focused", 80, 1, true},
		{"80 columns, metrics focused", 80, 0, true},
		{"120 columns, checks focused", 120, 1, true},
		{"70 columns, checks focused", 70, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := rotationDashboard(t)
			m = sized(m, tc.width, 24)
			m.dashboardScreen().focus = tc.focus
			line := ansi.Strip(m.helpView())
			if got := strings.Contains(line, "t rotate"); got != tc.rotate {
				t.Errorf("help line %q: t shown %v, want %v", line, got, tc.rotate)
			}
			if w := shortHelpWidth(m.dashboardScreen().ShortHelp()); w > tc.width {
				t.Errorf("short help is %d columns wide at %d: %q", w, tc.width, line)
			}
			if !strings.Contains(line, "q quit") {
				t.Errorf("help line %q lost q", line)
			}
		})
	}
}
