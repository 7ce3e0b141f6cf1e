package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
)

// RevealFor is how long a revealed secret stays visible.
const RevealFor = 10 * time.Second

// remaskMsg hides the secrets revealed by reveal number seq.
type remaskMsg struct{ seq int }

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
	secrets  []secretRow
	selected int
	revealed int // index of the revealed secret, -1 for none
	seq      int
	status   string
	width    int
	height   int
}

func newConnection(d model.Deployment) connection {
	return connection{
		d: d,
		secrets: []secretRow{
			{"Auth secret", d.InjectionToken, "the app's bearer token for inject and metrics"},
			{"Webhook secret", d.WebhookToken, "what kumod sends to the app's webhook; the app checks it"},
		},
		revealed: -1,
	}
}

func (c *connection) SetSize(w, h int) { c.width, c.height = w, h }

func (c *connection) hide() { c.revealed = -1 }

func (m Model) updateConnection(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := &m.conn
	switch msg := msg.(type) {
	case remaskMsg:
		if msg.seq == c.seq {
			c.hide()
			c.status = ""
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.QuitQ):
			return m.quit(false)
		case key.Matches(msg, m.keys.Up):
			c.selected = (c.selected + len(c.secrets) - 1) % len(c.secrets)
		case key.Matches(msg, m.keys.Down):
			c.selected = (c.selected + 1) % len(c.secrets)
		case key.Matches(msg, m.keys.Reveal):
			c.seq++
			c.revealed = c.selected
			c.status = c.secrets[c.selected].label + " shown for 10 s"
			seq := c.seq
			return m, tea.Tick(RevealFor, func(time.Time) tea.Msg { return remaskMsg{seq: seq} })
		case key.Matches(msg, m.keys.Copy):
			s := c.secrets[c.selected]
			c.status = s.label + " sent to your terminal's clipboard (OSC 52; the terminal must allow it)"
			return m, tea.SetClipboard(s.value)
		case key.Matches(msg, m.keys.Continue):
			c.hide()
			m.next = newNextSteps(m.opt, m.rev.msg.cert, m.canRunSteps(), m.st)
			m.goTo(screenNextSteps)
		case key.Matches(msg, m.keys.Back):
			c.hide()
			c.status = ""
			if m.apl.done {
				m.goTo(screenApplied)
			} else {
				// Nothing was written: back to the review that led here.
				m.goTo(screenReview)
			}
		}
	}
	return m, nil
}

// View renders the deployment guide's table.
func (c connection) View(st *Styles) string {
	rows := [][2]string{
		{"Base URL", c.d.BaseURL()},
		{"Injection path", model.InjectionPath},
		{"Metrics URL", c.d.MetricsURL()},
		{"Auth mode", "Bearer"},
	}
	var b strings.Builder
	b.WriteString("Enter these in the app's KumoMTA connection screen:\n\n")
	label := func(s string) string { return st.Label.Render(padRight(s, 16)) }
	for _, r := range rows {
		b.WriteString("  " + label(r[0]) + st.Value.Render(r[1]) + "\n")
	}
	for i, s := range c.secrets {
		v := model.Mask(s.value) + "  " + st.Muted.Render(model.Fingerprint(s.value))
		if i == c.revealed {
			v = st.Secret.Render(s.value)
		}
		marker := "  "
		line := label(s.label) + v
		if i == c.selected {
			marker = st.Selected.Render(">") + " "
		}
		b.WriteString(marker + line + "\n")
		if i == c.selected {
			b.WriteString("  " + padRight("", 16) + st.Muted.Render(s.purpose) + "\n")
		}
	}
	b.WriteString("  " + label("TLS verification") + st.Value.Render("on") + st.Muted.Render("  (never turn it off)") + "\n")
	b.WriteString("\n")
	if c.status != "" {
		b.WriteString(st.Muted.Render(wrapText(c.status, c.width)) + "\n")
	}
	b.WriteString(st.Heading.Render("Press enter for the next steps."))
	return b.String()
}

func padRight(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}
