package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
)

// KeyMap is every key binding of the UI. The help line of each screen is
// generated from it by bubbles/help (see [KeyMap.For]), never typed by hand.
type KeyMap struct {
	Quit     key.Binding // ctrl+c, everywhere
	QuitQ    key.Binding // q, where no text is typed
	Back     key.Binding // esc
	BackPage key.Binding // esc in the wizard
	BackEdit key.Binding // esc after a failed apply
	Continue key.Binding // enter on screens without a form
	Apply    key.Binding // enter on the review screen
	Save     key.Binding // s on the review screen when writing is refused for lack of root
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Help     key.Binding

	// Wizard form navigation (handled by huh; listed for the help line).
	NextField key.Binding
	PrevField key.Binding

	// Connection values.
	Reveal key.Binding
	Copy   key.Binding

	// Next steps.
	RunSteps  key.Binding
	Dashboard key.Binding
	BehindNAT key.Binding // n after the certificate's name check failed (named on the screen)

	// Dashboard.
	SwitchPane key.Binding
	Rerun      key.Binding
	Rotate     key.Binding // the token rotation pane (rotate.go)

	// Firewall confirmation (next steps: f opens it).
	Firewall   key.Binding
	LoadRules  key.Binding // enter, once "apply" is typed
	ScrollUp   key.Binding // scrolling while typing: no letters
	ScrollDown key.Binding
	ScrollPgUp key.Binding
	ScrollPgDn key.Binding
	ScrollTop  key.Binding
	ScrollBotm key.Binding
	ScrollHint key.Binding // ↑/↓ for the help line
	BackNoLoad key.Binding // esc on the confirmation
	BackFromFW key.Binding // enter or esc once loaded (or refused)
}

// DefaultKeyMap returns the UI's key bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Quit:       b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		QuitQ:      b([]string{"q", "ctrl+c"}, "q", "quit"),
		Back:       b([]string{"esc"}, "esc", "back"),
		BackPage:   b([]string{"esc"}, "esc", "previous page"),
		BackEdit:   b([]string{"esc"}, "esc", "back to the answers"),
		Continue:   b([]string{"enter"}, "enter", "continue"),
		Apply:      b([]string{"enter", "y"}, "enter", "write the files"),
		Save:       b([]string{"s"}, "s", "save answers"),
		Up:         b([]string{"up", "k"}, "↑/k", "up"),
		Down:       b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:     b([]string{"pgup", "b"}, "pgup", "page up"),
		PageDown:   b([]string{"pgdown", "space", "f"}, "pgdn", "page down"),
		Top:        b([]string{"home", "g"}, "g", "top"),
		Bottom:     b([]string{"end", "G"}, "G", "bottom"),
		Help:       b([]string{"?"}, "?", "more keys"),
		NextField:  b([]string{"enter", "tab"}, "enter", "next"),
		PrevField:  b([]string{"shift+tab"}, "shift+tab", "previous field"),
		Reveal:     b([]string{"v"}, "v", "reveal 10 s"),
		Copy:       b([]string{"c"}, "c", "copy (OSC 52)"),
		RunSteps:   b([]string{"r"}, "r", "run them"),
		Dashboard:  b([]string{"d"}, "d", "dashboard"),
		BehindNAT:  b([]string{"n"}, "n", "retry: behind NAT"),
		SwitchPane: b([]string{"tab", "shift+tab"}, "tab", "switch pane"),
		Rerun:      b([]string{"r"}, "r", "re-run checks"),
		Rotate:     b([]string{"t"}, "t", "rotate a token"),
		Firewall:   b([]string{"f"}, "f", "firewall rules"),
		LoadRules:  b([]string{"enter"}, "enter", "load after typing apply"),
		ScrollHint: b([]string{"up", "down", "pgup", "pgdown"}, "↑/↓", "scroll"),
		ScrollUp:   b([]string{"up"}, "↑", "up"),
		ScrollDown: b([]string{"down"}, "↓", "down"),
		ScrollPgUp: b([]string{"pgup"}, "pgup", "page up"),
		ScrollPgDn: b([]string{"pgdown"}, "pgdn", "page down"),
		ScrollTop:  b([]string{"home"}, "home", "top"),
		ScrollBotm: b([]string{"end"}, "end", "bottom"),
		BackNoLoad: b([]string{"esc"}, "esc", "back"),
		BackFromFW: b([]string{"enter", "esc"}, "enter", "back"),
	}
}

// bindings is a help.KeyMap for one screen.
type bindings struct {
	short []key.Binding
	full  [][]key.Binding
}

func (b bindings) ShortHelp() []key.Binding  { return b.short }
func (b bindings) FullHelp() [][]key.Binding { return b.full }

// For returns the help.KeyMap of screen s. runSteps says whether the next
// steps can be run from the UI.
func (k KeyMap) For(s screen, runSteps bool) help.KeyMap {
	scroll := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	switch s {
	case screenPreflight:
		return bindings{short: []key.Binding{k.Continue, k.Quit}}
	case screenWizard:
		return k.ForWizard([]key.Binding{k.NextField, k.PrevField})
	case screenPlanning, screenApplying:
		return bindings{short: []key.Binding{k.Quit}}
	case screenReview:
		return bindings{
			short: []key.Binding{k.Apply, k.Back, k.Up, k.Down, k.Help, k.Quit},
			full:  [][]key.Binding{{k.Apply, k.Back, k.Quit}, scroll},
		}
	case screenReviewNothing:
		return bindings{
			short: []key.Binding{k.Continue, k.Back, k.Up, k.Down, k.Help, k.Quit},
			full:  [][]key.Binding{{k.Continue, k.Back, k.Quit}, scroll},
		}
	case screenReviewSave:
		return bindings{
			short: []key.Binding{k.Save, k.Back, k.Up, k.Down, k.Help, k.Quit},
			full:  [][]key.Binding{{k.Save, k.Back, k.Quit}, scroll},
		}
	case screenReviewBlocked:
		return bindings{
			short: []key.Binding{k.Back, k.Up, k.Down, k.Help, k.Quit},
			full:  [][]key.Binding{{k.Back, k.Quit}, scroll},
		}
	case screenApplied:
		return bindings{short: []key.Binding{k.Continue, k.Up, k.Down, k.QuitQ}}
	case screenApplyFailed:
		return bindings{short: []key.Binding{k.BackEdit, k.Up, k.Down, k.QuitQ}}
	case screenConnection:
		return bindings{
			short: []key.Binding{k.Reveal, k.Copy, k.Continue, k.Help, k.QuitQ},
			full:  [][]key.Binding{{k.Up, k.Down, k.Reveal, k.Copy}, {k.Continue, k.Back, k.QuitQ}},
		}
	case screenNextSteps:
		keys := []key.Binding{k.Dashboard, k.Back, k.QuitQ}
		if runSteps {
			keys = append([]key.Binding{k.RunSteps}, keys...)
		}
		// f is named on the screen's own line; the short help would
		// overflow 80 columns with it.
		return bindings{
			short: append(append([]key.Binding(nil), keys...), k.Up, k.Down, k.Help),
			full:  [][]key.Binding{append(keys[:len(keys):len(keys)], k.Firewall), scroll},
		}
	case screenNextStepsProxy:
		keys := []key.Binding{k.Firewall, k.QuitQ}
		if runSteps {
			keys = append([]key.Binding{k.RunSteps}, keys...)
		}
		return bindings{
			short: append(append([]key.Binding(nil), keys...), k.Up, k.Down, k.Help),
			full:  [][]key.Binding{keys, scroll},
		}
	case screenFirewall:
		typing := []key.Binding{k.ScrollUp, k.ScrollDown, k.ScrollPgUp, k.ScrollPgDn, k.ScrollTop, k.ScrollBotm}
		return bindings{
			short: []key.Binding{k.LoadRules, k.BackNoLoad, k.ScrollHint, k.Quit},
			full:  [][]key.Binding{{k.LoadRules, k.BackNoLoad, k.Quit}, typing},
		}
	case screenFirewallDone:
		return bindings{short: []key.Binding{k.BackFromFW, k.ScrollHint, k.QuitQ}}
	case screenDashboardMetrics:
		return bindings{
			short: []key.Binding{k.SwitchPane, k.Rerun, k.Help, k.QuitQ},
			full:  [][]key.Binding{{k.SwitchPane}, {k.Rerun, k.Help, k.QuitQ}},
		}
	case screenDashboard:
		return bindings{
			short: []key.Binding{k.SwitchPane, k.Up, k.Down, k.Rerun, k.Help, k.QuitQ},
			full:  [][]key.Binding{{k.SwitchPane, k.Up, k.Down}, {k.Rerun, k.Help, k.QuitQ}},
		}
	}
	return bindings{short: []key.Binding{k.Quit}}
}

// ShowingAll is k while the full help is shown (all true): ? then gives
// fewer keys.
func (k KeyMap) ShowingAll(all bool) KeyMap {
	if all {
		k.Help.SetHelp("?", "fewer keys")
	}
	return k
}

// Typing is k with the scrolling keys limited to those that type no
// letter: on a screen with a text field, j, k, g, G, b, f and space are
// text.
func (k KeyMap) Typing() KeyMap {
	t := k
	t.Up, t.Down, t.PageUp, t.PageDown, t.Top, t.Bottom = k.ScrollUp, k.ScrollDown, k.ScrollPgUp, k.ScrollPgDn, k.ScrollTop, k.ScrollBotm
	return t
}

// ForWizard is the wizard's help: the focused huh field's own bindings
// (they change with the field), then going back a page and quitting.
func (k KeyMap) ForWizard(field []key.Binding) help.KeyMap {
	short := append(append([]key.Binding(nil), field...), k.BackPage, k.Quit)
	return bindings{short: short}
}

// Form is huh's default keymap for the wizard's forms, without huh's own
// quit binding (the top-level model handles ctrl+c) and the selects'
// filter, and with enter on a page's last field described as then ("next
// page") instead of "submit".
func (k KeyMap) Form(then string) *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithDisabled())
	km.Input.Submit.SetHelp("enter", then)
	km.Select.Submit.SetHelp("enter", then)
	// Two or three options need no filter, and esc (back a page) would
	// leave one half typed: no keys, so huh cannot enable it either.
	km.Select.Filter, km.Select.SetFilter, km.Select.ClearFilter = key.NewBinding(), key.NewBinding(), key.NewBinding()
	return km
}
