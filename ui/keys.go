package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
)

// KeyMap is every key binding of the UI, grouped by the screen that uses
// it (as crush groups its keymaps). Each screen's help line is generated
// from its group by bubbles/help (its ShortHelp and FullHelp), never typed
// by hand. A new screen adds its group here and a field for it.
type KeyMap struct {
	Global     GlobalKeys
	Scroll     ScrollKeys // long screens without a text field
	Typing     ScrollKeys // long screens with a text field: no letters
	Preflight  PreflightKeys
	Wizard     WizardKeys
	Review     ReviewKeys
	Apply      ApplyKeys
	Connection ConnectionKeys
	NextSteps  NextStepsKeys
	Dashboard  DashboardKeys
	Firewall   FirewallKeys
}

// GlobalKeys work on every screen (q only where no text is typed).
type GlobalKeys struct {
	Quit  key.Binding // ctrl+c
	QuitQ key.Binding // q, where no text is typed
	Help  key.Binding // ?, where no text is typed
}

// ScrollKeys move a long screen's window.
type ScrollKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	// Hint is the one-entry summary of the keys above for a short help
	// line ("↑/↓ scroll").
	Hint key.Binding
}

// PreflightKeys are the preflight screen's.
type PreflightKeys struct {
	Start key.Binding
}

// WizardKeys are the wizard's own; huh's field keys (next, previous field)
// come from the focused field.
type WizardKeys struct {
	Back key.Binding // esc: the previous page
}

// ReviewKeys are the review's.
type ReviewKeys struct {
	Write    key.Binding // enter: write the files
	Continue key.Binding // enter: nothing to write, go on
	Save     key.Binding // s: save the answers when writing is refused for lack of root
	Back     key.Binding // esc: change the answers
}

// ApplyKeys are the apply screen's.
type ApplyKeys struct {
	Continue key.Binding // enter once every file is in place
	Back     key.Binding // esc after a failure: back to the answers
}

// ConnectionKeys are the connection values screen's.
type ConnectionKeys struct {
	Up, Down key.Binding // select a secret
	Reveal   key.Binding
	Copy     key.Binding
	Continue key.Binding
	Back     key.Binding
}

// NextStepsKeys are the next steps screen's.
type NextStepsKeys struct {
	Run       key.Binding
	BehindNAT key.Binding // n after the certificate's name check failed (named on the screen)
	Dashboard key.Binding
	Firewall  key.Binding
	Back      key.Binding
}

// DashboardKeys are the dashboard's.
type DashboardKeys struct {
	SwitchPane   key.Binding
	Up, Down     key.Binding // select a check (checks pane focused)
	DetailUp     key.Binding // scroll the selected check's detail
	DetailDown   key.Binding
	Rerun        key.Binding
	Rotate       key.Binding // the token rotation pane (rotate.go)
	SelectHint   key.Binding // both arrows, for the short help
	DetailScroll key.Binding // both detail keys, for the short help
}

// FirewallKeys are the firewall screen's.
type FirewallKeys struct {
	Load key.Binding // enter, once "apply" is typed
	Back key.Binding // esc on the confirmation: back without loading
	Done key.Binding // enter or esc once loaded (or refused)
	// SwitchPane moves the scrolling keys between what the rules do and
	// the rules file; PaneHint is it and the arrows in one entry, for the
	// short help when both panes scroll.
	SwitchPane, PaneHint key.Binding
}

func bind(keys []string, k, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
}

// DefaultKeyMap returns the UI's key bindings.
func DefaultKeyMap() *KeyMap {
	b := bind
	return &KeyMap{
		Global: GlobalKeys{
			Quit:  b([]string{"ctrl+c"}, "ctrl+c", "quit"),
			QuitQ: b([]string{"q", "ctrl+c"}, "q", "quit"),
			Help:  b([]string{"?"}, "?", "more keys"),
		},
		Scroll: ScrollKeys{
			Up:       b([]string{"up", "k"}, "↑/k", "up"),
			Down:     b([]string{"down", "j"}, "↓/j", "down"),
			PageUp:   b([]string{"pgup", "b"}, "pgup", "page up"),
			PageDown: b([]string{"pgdown", "space", "f"}, "pgdn", "page down"),
			Top:      b([]string{"home", "g"}, "g", "top"),
			Bottom:   b([]string{"end", "G"}, "G", "bottom"),
			Hint:     b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "scroll"),
		},
		Typing: ScrollKeys{
			Up:       b([]string{"up"}, "↑", "up"),
			Down:     b([]string{"down"}, "↓", "down"),
			PageUp:   b([]string{"pgup"}, "pgup", "page up"),
			PageDown: b([]string{"pgdown"}, "pgdn", "page down"),
			Top:      b([]string{"home"}, "home", "top"),
			Bottom:   b([]string{"end"}, "end", "bottom"),
			Hint:     b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "scroll"),
		},
		Preflight: PreflightKeys{Start: b([]string{"enter"}, "enter", "continue")},
		Wizard:    WizardKeys{Back: b([]string{"esc"}, "esc", "previous page")},
		Review: ReviewKeys{
			Write:    b([]string{"enter", "y"}, "enter", "write the files"),
			Continue: b([]string{"enter"}, "enter", "continue"),
			Save:     b([]string{"s"}, "s", "save answers"),
			Back:     b([]string{"esc"}, "esc", "back"),
		},
		Apply: ApplyKeys{
			Continue: b([]string{"enter"}, "enter", "continue"),
			Back:     b([]string{"esc"}, "esc", "back to the answers"),
		},
		Connection: ConnectionKeys{
			Up:       b([]string{"up", "k"}, "↑/k", "up"),
			Down:     b([]string{"down", "j"}, "↓/j", "down"),
			Reveal:   b([]string{"v"}, "v", "reveal 10 s"),
			Copy:     b([]string{"c"}, "c", "copy (OSC 52)"),
			Continue: b([]string{"enter"}, "enter", "continue"),
			Back:     b([]string{"esc"}, "esc", "back"),
		},
		NextSteps: NextStepsKeys{
			Run:       b([]string{"r"}, "r", "run them"),
			BehindNAT: b([]string{"n"}, "n", "retry: behind NAT"),
			Dashboard: b([]string{"d"}, "d", "dashboard"),
			Firewall:  b([]string{"f"}, "f", "firewall rules"),
			Back:      b([]string{"esc"}, "esc", "back"),
		},
		Dashboard: DashboardKeys{
			SwitchPane:   b([]string{"tab", "shift+tab"}, "tab", "switch pane"),
			Up:           b([]string{"up", "k"}, "↑/k", "up"),
			Down:         b([]string{"down", "j"}, "↓/j", "down"),
			DetailUp:     b([]string{"pgup", "b"}, "pgup", "scroll the detail up"),
			DetailDown:   b([]string{"pgdown", "space", "f"}, "pgdn", "scroll the detail down"),
			Rerun:        b([]string{"r"}, "r", "re-run checks"),
			Rotate:       b([]string{"t"}, "t", "rotate a token"),
			SelectHint:   b([]string{"up", "down"}, "↑/↓", "select"),
			DetailScroll: b([]string{"pgup", "pgdown"}, "pgup/dn", "detail"),
		},
		Firewall: FirewallKeys{
			Load:       b([]string{"enter"}, "enter", "load after typing apply"),
			Back:       b([]string{"esc"}, "esc", "back"),
			Done:       b([]string{"enter", "esc"}, "enter", "back"),
			SwitchPane: b([]string{"tab", "shift+tab"}, "tab", "switch pane"),
			PaneHint:   b([]string{"tab", "shift+tab", "up", "down", "pgup", "pgdown"}, "tab ↑/↓", "scroll"),
		},
	}
}

// scrollKeys is the full help's column of a scroll group.
func (s ScrollKeys) scrollKeys() []key.Binding {
	return []key.Binding{s.Up, s.Down, s.PageUp, s.PageDown, s.Top, s.Bottom}
}

// bindings is a help.KeyMap for one screen in one state.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding { return b.short }

func (b bindings) FullHelp() [][]key.Binding {
	if b.full == nil {
		return [][]key.Binding{b.short}
	}
	return b.full
}

// keys is a help.KeyMap from a short list and full columns.
func keys(short []key.Binding, full ...[]key.Binding) help.KeyMap {
	return bindings{short: short, full: full}
}

// showingAll sets the help key's text for the full help (all) or the
// short one.
func (k *KeyMap) showingAll(all bool) {
	if all {
		k.Global.Help.SetHelp("?", "fewer keys")
	} else {
		k.Global.Help.SetHelp("?", "more keys")
	}
}

// Form is huh's default keymap for the wizard's forms, without huh's own
// quit binding (the top-level model handles ctrl+c) and the selects'
// filter, and with enter on a page's last field described as then ("next
// page") instead of "submit".
func (k *KeyMap) Form(then string) *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithDisabled())
	km.Input.Submit.SetHelp("enter", then)
	km.Select.Submit.SetHelp("enter", then)
	// Two or three options need no filter, and esc (back a page) would
	// leave one half typed: no keys, so huh cannot enable it either.
	km.Select.Filter, km.Select.SetFilter, km.Select.ClearFilter = key.NewBinding(), key.NewBinding(), key.NewBinding()
	return km
}
