package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// screenEcho is a screen defined entirely in this file, as a new screen
// would be: its name, its component, its routed message.
const screenEcho screen = "echo"

type echoMsg struct{ text string }

func (echoMsg) route() screen { return screenEcho }

type echoView struct {
	keys *KeyMap
	got  []string
	w, h int
}

func (e *echoView) Update(m *Model, msg tea.Msg) tea.Cmd {
	if em, ok := msg.(echoMsg); ok {
		e.got = append(e.got, em.text)
	}
	return nil
}
func (e *echoView) View() string              { return "echo: " + strings.Join(e.got, ",") }
func (e *echoView) SetSize(w, h int)          { e.w, e.h = w, h }
func (e *echoView) Title() (string, string)   { return "Echo", "a test screen" }
func (e *echoView) ShortHelp() []key.Binding  { return []key.Binding{e.keys.Global.QuitQ} }
func (e *echoView) FullHelp() [][]key.Binding { return [][]key.Binding{e.ShortHelp()} }

func TestAScreenDefinedInOneFileIsLaidOutTitledRoutedAndHelped(t *testing.T) {
	m := atPreflight(testOptions(goldenRoot), 80, 24)
	e := &echoView{keys: m.keys}
	m.open(screenEcho, e)
	if e.w != 80 || e.h < 10 {
		t.Fatalf("opened at %dx%d, want the body of an 80x24 window", e.w, e.h)
	}
	// Its message reaches it even while another screen is on show.
	m.goTo(screenPreflight)
	m = send(m, echoMsg{"hello"})
	m.goTo(screenEcho)
	s := screenText(m)
	for _, want := range []string{"kumoup · Echo  a test screen", "echo: hello", "q quit"} {
		if !strings.Contains(s, want) {
			t.Errorf("the screen lacks %q:\n%s", want, s)
		}
	}
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if e.w != 120 {
		t.Errorf("after a resize the screen is %d wide, want 120", e.w)
	}
}

func TestDashboardOpensOnTheFirstFailingCheck(t *testing.T) {
	// testResults(30): check 0 passes, 2 warns, 3 fails.
	m := atDashboard(80, 24, checksMsg{results: testResults(30, false), at: fixedNow})
	d := m.dashboardScreen()
	if r := d.checks.results[d.checks.selected]; r.Status.String() != "fail" || r.ID != "family3.check03" {
		t.Fatalf("selected %s (%s), want the first failing check family3.check03", r.ID, r.Status)
	}
	s := screenText(m)
	if !strings.Contains(s, "GET /metrics without a token: 200, want 401") {
		t.Errorf("the glance does not show what is wrong without a key press:\n%s", s)
	}
	// Failing, then warning, then the rest, each in the catalogue's order.
	last := 0
	rank := map[string]int{"fail": 0, "warn": 1}
	for _, r := range d.checks.results {
		k, ok := rank[r.Status.String()]
		if !ok {
			k = 2
		}
		if k < last {
			t.Fatalf("%s (%s) listed after a better status", r.ID, r.Status)
		}
		last = k
	}
}

func TestDashboardAllPassingKeepsTheCatalogueOrder(t *testing.T) {
	res := testResults(4, false)[:2] // check 0 and check 1 both pass
	m := atDashboard(80, 24, checksMsg{results: res, at: fixedNow})
	if got := m.dashboardScreen().checks.results[0].ID; got != res[0].ID {
		t.Fatalf("first check %s, want the catalogue's first %s", got, res[0].ID)
	}
}

func TestDashboardDetailScrollsToTheEndOfALongRemedy(t *testing.T) {
	res := testResults(5, false)
	var lines []string
	for i := range 80 { // more than the widest window's detail holds
		lines = append(lines, "require 'line"+itoa(i)+"'")
	}
	res[3].Remedy = "add to init.lua: " + strings.Join(lines, " ") + " END-OF-REMEDY"
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		m := atDashboard(size.w, size.h, checksMsg{results: res, at: fixedNow})
		if s := screenText(m); strings.Contains(s, "END-OF-REMEDY") || !strings.Contains(s, "pgup/pgdn") {
			t.Fatalf("%dx%d: the long remedy fits or says nothing of the rest:\n%s", size.w, size.h, s)
		}
		for range 20 {
			m = send(m, tea.KeyPressMsg{Code: tea.KeyPgDown})
		}
		if s := screenText(m); !strings.Contains(s, "END-OF-REMEDY") {
			t.Fatalf("%dx%d: pgdn does not reach the end of the remedy:\n%s", size.w, size.h, s)
		}
		if h := screenText(m); !strings.Contains(h, "pgup/dn detail") {
			t.Errorf("%dx%d: the help line does not say the detail scrolls", size.w, size.h)
		}
	}
}
