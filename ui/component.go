package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/writer"
)

// screen names a screen. Each screen declares its own name in its own
// file (const screenReview screen = "review"), so adding a screen adds one
// file and touches no list.
type screen string

// Component is one screen, as soft-serve's common.Component: it lays
// itself out (SetSize), renders its body from its own state (View), names
// itself for the header (Title) and lists its keys for the help line
// (help.KeyMap: ShortHelp and FullHelp, built from its group in keys.go,
// changing with its state). Update takes the screen's messages; it is
// given the top-level model, which holds the flow (the deployment, what
// was written) and opens the next screen ([Model.open]), and returns a
// command for anything that waits.
//
// A new screen is one file: its name, its Component, the messages its
// commands return (each with a route method naming the screen, see
// [routed]) and a function that opens it with m.open.
type Component interface {
	help.KeyMap
	Update(m *Model, msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	Title() (title, subtitle string)
}

// routed is a message that belongs to one screen: a command's result goes
// to the screen that asked for it, even when the operator has moved on
// meanwhile. Messages without a route go to the screen on show.
type routed interface {
	route() screen
}

// typing is implemented by screens with a text field: there ? and q are
// text, not keys.
type typing interface {
	typing() bool
}

// open registers c as screen s and shows it.
func (m *Model) open(s screen, c Component) {
	m.screens[s] = c
	m.goTo(s)
}

// current is the screen on show (nil before any is opened).
func (m *Model) current() Component { return m.screens[m.screen] }

// flowTitle is the header's title of the setup flow on host h.
func flowTitle(h writer.Host) string {
	if h == writer.HostProxy {
		return "KumoProxy host setup"
	}
	return "Setup"
}
