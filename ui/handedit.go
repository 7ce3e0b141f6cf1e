package ui

import (
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// handEditLines are the review's lines for a file changed by hand since
// the last apply (the state file says so): the summary, what applying does
// to it, and the hand edit as a diff, secrets masked. None for a file
// kumoup's last apply left as it is.
func handEditLines(c writer.Change, st *Styles, width int) []string {
	if c.HandEdit == "" {
		return nil
	}
	what := "changed by hand since the last apply: " + c.HandEdit
	switch {
	case c.Action == writer.Create:
		what += "; applying writes it again"
	case c.Diff != "":
		what += "; applying replaces it and keeps the edited file as a backup"
	case c.ModeChange:
		what += "; applying restores the mode and owner"
	}
	var out []string
	for _, l := range wrapLines(glyphWarn+" "+what, max(width-10, 20)) {
		out = append(out, "          "+st.Warn.Render(l))
	}
	if c.HandDiff == "" {
		return out
	}
	out = append(out, "          "+st.Muted.Render("the hand edit (last applied, then now on disk):"))
	for i, l := range strings.Split(strings.TrimSuffix(c.HandDiff, "\n"), "\n") {
		out = append(out, diffLines(l, i < 2, st, width)...)
	}
	return out
}
