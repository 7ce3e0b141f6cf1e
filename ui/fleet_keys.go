package ui

import (
	"charm.land/bubbles/v2/key"
)

// FleetKeyMap is the fleet view's key bindings; its help line is generated
// from them (it is a help.KeyMap).
type FleetKeyMap struct {
	Up      key.Binding
	Down    key.Binding
	Open    key.Binding // enter: the selected host's failing checks
	Back    key.Binding // esc: back to the list
	Refresh key.Binding
	Quit    key.Binding
}

// DefaultFleetKeyMap returns the fleet view's key bindings.
func DefaultFleetKeyMap() FleetKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return FleetKeyMap{
		Up:      b([]string{"up", "k"}, "↑/k", "up"),
		Down:    b([]string{"down", "j"}, "↓/j", "down"),
		Open:    b([]string{"enter"}, "enter", "failing checks"),
		Back:    b([]string{"esc", "backspace"}, "esc", "back"),
		Refresh: b([]string{"r"}, "r", "refresh"),
		Quit:    b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// fleetHelp is the help line of one of the fleet's two views.
type fleetHelp []key.Binding

func (h fleetHelp) ShortHelp() []key.Binding  { return h }
func (h fleetHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h} }

// forList and forDetail are the bindings each view answers.
func (k FleetKeyMap) forList() fleetHelp   { return fleetHelp{k.Up, k.Down, k.Open, k.Refresh, k.Quit} }
func (k FleetKeyMap) forDetail() fleetHelp { return fleetHelp{k.Back, k.Refresh, k.Quit} }
