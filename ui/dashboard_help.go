package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// checksShortHelp is the short help while the checks pane has the focus:
// every key with its words where the line fits, else the same keys in
// fewer words, so that t (the token rotation) is on the line at 80
// columns; a narrower terminal loses it (the full help keeps it) before
// the line is cut.
func (d *dashboard) checksShortHelp() []key.Binding {
	k := d.keys
	tab, rerun, rotate, more := k.Dashboard.SwitchPane, k.Dashboard.Rerun, k.Dashboard.Rotate, k.Global.Help
	full := []key.Binding{tab, k.Dashboard.SelectHint, k.Dashboard.DetailScroll, rerun, rotate, more, k.Global.QuitQ}
	if d.width <= 0 || shortHelpWidth(full) <= d.width {
		return full
	}
	tab.SetHelp("tab", "pane")
	rerun.SetHelp("r", "re-run")
	rotate.SetHelp("t", "rotate")
	more.SetHelp("?", "more")
	short := []key.Binding{tab, k.Dashboard.SelectHint, k.Dashboard.DetailScroll, rerun, rotate, more, k.Global.QuitQ}
	if shortHelpWidth(short) <= d.width {
		return short
	}
	return []key.Binding{tab, k.Dashboard.SelectHint, k.Dashboard.DetailScroll, rerun, more, k.Global.QuitQ}
}

// shortHelpWidth is the width bubbles/help gives bs on one line: "key
// desc" entries joined by " • ".
func shortHelpWidth(bs []key.Binding) int {
	w := 0
	for i, b := range bs {
		if i > 0 {
			w += lipgloss.Width(" • ")
		}
		h := b.Help()
		w += lipgloss.Width(h.Key) + 1 + lipgloss.Width(h.Desc)
	}
	return w
}
