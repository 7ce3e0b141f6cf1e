package ui

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// RevealFor is how long a revealed secret stays visible.
const RevealFor = 10 * time.Second

// remaskMsg hides the secrets revealed by reveal number seq.
type remaskMsg struct{ seq int }

func (remaskMsg) route() screen { return screenConnection }

// screenConnection is the app's connection values.
const screenConnection screen = "connection"

// secretRow is one secret of the connection table.
type secretRow struct {
	label, value, purpose string
}

// connection shows the values the app's KumoMTA connection screen needs.
// Secrets are masked; one is revealed for RevealFor, or copied to the
// operator's clipboard over OSC 52. Nothing is printed after exit: the UI
// runs in the alternate screen.
type connection struct {
	d        model.Deployment
	layout   writer.Layout // where the secrets are on disk
	secrets  []secretRow
	selected int
	revealed int // index of the revealed secret, -1 for none
	seq      int
	status   string
	width    int
	height   int
	st       *Styles
	keys     *KeyMap
}

// The labels of writer.AppConnection's two secrets: those rows are
// selectable, revealed and copied here.
const (
	labelAuthSecret    = "Auth secret"
	labelWebhookSecret = "Webhook secret"
)

func newConnection(d model.Deployment, l writer.Layout, st *Styles, k *KeyMap) *connection {
	return &connection{
		st:     st,
		keys:   k,
		d:      d,
		layout: l,
		secrets: []secretRow{
			{labelAuthSecret, d.InjectionToken, "the app's bearer token for inject and metrics"},
			{labelWebhookSecret, d.WebhookToken, "what kumod sends to the app's webhook; the app checks it"},
		},
		revealed: -1,
	}
}

// connectionScreen is the connection values screen (nil until it opened).
func (m *Model) connectionScreen() *connection {
	c, _ := m.screens[screenConnection].(*connection)
	return c
}

func (c *connection) SetSize(w, h int) { c.width, c.height = w, h }

func (c *connection) hide() { c.revealed = -1 }

func (c *connection) Title() (string, string) { return "Setup", "connection values for the app" }

func (c *connection) ShortHelp() []key.Binding {
	k := c.keys
	return []key.Binding{k.Connection.Reveal, k.Connection.Copy, k.Connection.Continue, k.Global.Help, k.Global.QuitQ}
}

func (c *connection) FullHelp() [][]key.Binding {
	k := c.keys.Connection
	return [][]key.Binding{{k.Up, k.Down, k.Reveal, k.Copy}, {k.Continue, k.Back, c.keys.Global.QuitQ}}
}

func (c *connection) Update(m *Model, msg tea.Msg) tea.Cmd {
	k := c.keys.Connection
	switch msg := msg.(type) {
	case remaskMsg:
		if msg.seq == c.seq {
			c.hide()
			c.status = ""
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, c.keys.Global.QuitQ):
			return m.quit(false)
		case key.Matches(msg, k.Up):
			c.selected = (c.selected + len(c.secrets) - 1) % len(c.secrets)
		case key.Matches(msg, k.Down):
			c.selected = (c.selected + 1) % len(c.secrets)
		case key.Matches(msg, k.Reveal):
			c.seq++
			c.revealed = c.selected
			c.status = c.secrets[c.selected].label + " shown for 10 s"
			seq := c.seq
			return tea.Tick(RevealFor, func(time.Time) tea.Msg { return remaskMsg{seq: seq} })
		case key.Matches(msg, k.Copy):
			s := c.secrets[c.selected]
			c.status = s.label + " sent to your terminal's clipboard (OSC 52; the terminal must allow it)"
			return tea.SetClipboard(s.value)
		case key.Matches(msg, k.Continue):
			c.hide()
			m.openNextSteps()
		case key.Matches(msg, k.Back):
			c.hide()
			c.status = ""
			if a := m.applyingScreen(); a != nil && a.done {
				m.goTo(screenApplied)
			} else {
				// Nothing was written: back to the review that led here.
				m.goTo(screenReview)
			}
		}
	}
	return nil
}

// View renders what `kumoup apply` prints for the app
// (writer.AppConnection, in its order and words), the secrets selectable:
// masked with their fingerprint and where they are on disk, or the one
// revealed.
func (c *connection) View() string {
	st := c.st
	var rows []string
	label := func(s string) string { return st.Label.Render(padRight(s, 16)) }
	for _, set := range writer.AppConnection(c.d, c.layout) {
		i := c.secretIndex(set.Label)
		marker, style := "  ", st.Value
		value := set.Value
		if i >= 0 {
			style = st.Muted
			if i == c.selected {
				marker = st.Selected.Render(">") + " " // a mark in text: it reads without color
			}
			if i == c.revealed {
				value, style = c.secrets[i].value, st.Secret
			}
		}
		// Values wrap under their own column; a path too wide for it goes
		// whole on a line of its own, two cells in.
		for n, l := range wrapValue(value, max(c.width-18, 20), c.width-2) {
			if strings.HasPrefix(l, outdented) {
				rows = append(rows, "  "+style.Render(strings.TrimPrefix(l, outdented)))
				continue
			}
			if n > 0 {
				rows = append(rows, "  "+padRight("", 16)+style.Render(l))
				continue
			}
			row := marker + label(set.Label) + style.Render(l)
			if set.Label == "TLS verification" {
				row += st.Muted.Render("  (never turn it off)")
			}
			rows = append(rows, row)
		}
		if i >= 0 && i == c.selected {
			rows = append(rows, "  "+padRight("", 16)+st.Muted.Render(c.secrets[i].purpose))
		}
	}
	var bottom []string
	if c.status != "" {
		bottom = append(bottom, st.Muted.Render(wrapText(c.status, c.width)))
	}
	bottom = append(bottom, st.Heading.Render("Press enter for the next steps."))
	// A blank line after the heading and before what the keys did, when
	// they fit: the table and the way on always stay on screen.
	intro := []string{"Enter these in the app's KumoMTA connection screen:", ""}
	gap := []string{""}
	used := len(rows) + lipgloss.Height(strings.Join(bottom, "\n")) + 3
	if c.height > 0 && used > c.height {
		intro = intro[:1]
	}
	if c.height > 0 && used-1 > c.height {
		gap = nil
	}
	return strings.Join(slices.Concat(intro, rows, gap, bottom), "\n")
}

// secretIndex is the index in c.secrets of the row labelled label, -1 for
// a row that holds no secret.
func (c connection) secretIndex(label string) int {
	for i, s := range c.secrets {
		if s.label == label {
			return i
		}
	}
	return -1
}

// outdented starts a line of wrapValue's that leaves the value column.
const outdented = "\x00"

// wrapValue cuts v into lines of at most w cells at spaces. A word wider
// than that (a path) that fits in wide cells goes whole on a line of its
// own, marked outdented; a wider one breaks after a '/': every character
// stays visible.
func wrapValue(v string, w, wide int) []string {
	var out []string
	line := ""
	for _, word := range strings.Split(v, " ") {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
			line += " " + word
			continue
		default:
			out = append(out, line)
			line = word
		}
		if ww := ansi.StringWidth(line); ww > w && ww <= wide {
			if len(out) == 0 {
				out = append(out, "") // the label's line
			}
			out = append(out, outdented+line)
			line = ""
			continue
		}
		if ansi.StringWidth(line) > w {
			parts := wrapPath(line, w)
			out = append(out, parts[:len(parts)-1]...)
			line = parts[len(parts)-1]
		}
	}
	if line == "" && len(out) > 0 {
		return out // the last word went on a line of its own
	}
	return append(out, line)
}

func padRight(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}
