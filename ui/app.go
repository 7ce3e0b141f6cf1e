package ui

import (
	"context"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Model is the top-level bubbletea model: it owns the shared state (size,
// styles, keys, the deployment) and routes messages to the current screen.
type Model struct {
	ctx context.Context

	opt    Options
	st     *Styles
	keys   *KeyMap
	help   help.Model
	width  int
	height int

	// screen is the screen on show, screens every screen opened so far
	// (a command's result reaches its screen after the operator moved on).
	screen  screen
	screens map[screen]Component

	// host is the flow's host: the MTA host's wizard, or the KumoProxy
	// host's (StartProxyWizard).
	host writer.Host

	// bg is the terminal's background color, once it answered: huh's
	// theme and the help line pick their dark or light variant from it.
	bg *tea.BackgroundColorMsg

	// deployment is the answers being written, then watched.
	deployment model.Deployment
	written    bool   // the apply wrote at least one file
	saved      string // the command that applies the answers saved when writing was refused
	aborted    bool   // the operator quit with ctrl+c
	err        error
}

// NewModel returns the UI's model for opt, starting at opt.Start.
func NewModel(opt Options) Model {
	if opt.now == nil {
		opt.now = time.Now
	}
	if opt.newToken == nil {
		opt.newToken = model.NewToken
	}
	if opt.senseHost == nil {
		opt.senseHost = senseHost
	}
	if opt.ScrapeInterval <= 0 {
		opt.ScrapeInterval = DefaultScrapeInterval
	}
	if opt.CheckInterval <= 0 {
		opt.CheckInterval = DefaultCheckInterval
	}
	opt.Render.Layout = opt.Layout
	st := NewStyles(colorWanted(os.Getenv))
	h := help.New()
	h.Styles = st.Help
	m := Model{
		ctx:     context.Background(),
		opt:     opt,
		st:      st,
		keys:    DefaultKeyMap(),
		help:    h,
		width:   80,
		height:  24,
		screens: make(map[screen]Component),
	}
	if opt.Prefill != nil {
		m.deployment = opt.Prefill.WithDefaults()
	}
	m.host = writer.HostMTA
	switch opt.Start {
	case StartDashboard:
		m.open(screenDashboard, newDashboard(m.dashboardConfig(), st, m.keys))
	case StartFirewall:
		m.host = opt.FirewallHost
		m.open(screenFirewall, newFirewallView(opt, m.deployment, m.host, "", st, m.keys))
		m.err = ErrNotLoaded
	case StartProxyWizard:
		m.host = writer.HostProxy
		m.open(screenPreflight, newPreflight(opt, true, st, m.keys))
	default:
		m.open(screenPreflight, newPreflight(opt, false, st, m.keys))
	}
	return m
}

// Init asks the terminal for its background color and starts the first
// screen's commands.
func (m Model) Init() tea.Cmd {
	switch m.screen {
	case screenDashboard:
		return tea.Batch(tea.RequestBackgroundColor, m.dashboardScreen().Init(m.ctx))
	case screenFirewall:
		return tea.Batch(tea.RequestBackgroundColor, prepareFirewallCmd(m.ctx, m.opt, m.deployment, m.host))
	default:
		return tea.Batch(tea.RequestBackgroundColor, senseHostCmd(m.ctx, m.opt))
	}
}

// Update handles what every screen shares (size, interrupt, colors, quit,
// help) and routes anything else to its screen: a routed message to the
// screen that asked for it, any other to the screen on show.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.InterruptMsg:
		return m, m.quit(true)
	case tea.BackgroundColorMsg:
		m.bg = &msg
		if m.st.Color {
			m.help.Styles = help.DefaultStyles(msg.IsDark())
		}
		if w := m.wizardScreen(); w != nil {
			w.bg = m.bg
			return m, w.updateForm(msg)
		}
		return m, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Global.Quit) {
			return m, m.quit(true)
		}
		if !m.typing() && key.Matches(msg, m.keys.Global.Help) {
			// Screens without text input: ? toggles the full help.
			m.help.ShowAll = !m.help.ShowAll
			m.setSize(m.width, m.height)
			return m, nil
		}
	}
	s := m.screen
	if r, ok := msg.(routed); ok {
		s = r.route()
	}
	c := m.screens[s]
	if c == nil {
		return m, nil
	}
	cmd := c.Update(&m, msg)
	return m, cmd
}

// typing reports whether the screen on show has a text field focused.
func (m *Model) typing() bool {
	t, ok := m.current().(typing)
	return ok && t.typing()
}

// quit ends the program. Quitting before any file is written is an abort.
func (m *Model) quit(interrupt bool) tea.Cmd {
	if interrupt && !m.written && m.opt.Start != StartDashboard {
		m.aborted = true
	}
	if c := m.connectionScreen(); c != nil {
		c.hide()
	}
	return tea.Quit
}

// goTo switches to screen s, already opened, and lays it out.
func (m *Model) goTo(s screen) {
	m.screen = s
	m.help.ShowAll = false
	m.setSize(m.width, m.height)
}

// headerHeight and footerHeight frame every screen's body.
func (m Model) headerHeight() int {
	if m.opt.Demo {
		return 3
	}
	return 2
}

func (m Model) footerHeight() int {
	return lipgloss.Height(m.helpView()) + 1
}

func (m Model) bodySize() (int, int) {
	return max(m.width, 20), max(m.height-m.headerHeight()-m.footerHeight(), 3)
}

// setSize lays out the screen on show (only that one: the review
// re-renders every diff; goTo lays out the next one as it opens).
func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	m.keys.showingAll(m.help.ShowAll)
	if c := m.current(); c != nil {
		c.SetSize(m.bodySize())
	}
}

// relayout lays the screen on show out again after its state changed
// what it shows below its scrolling part, or its help line.
func (m *Model) relayout() { m.setSize(m.width, m.height) }

func (m Model) helpView() string {
	c := m.current()
	if c == nil {
		return m.help.View(keys([]key.Binding{m.keys.Global.Quit}))
	}
	return m.help.View(c)
}

// title is the header's title and subtitle.
func (m Model) title() (string, string) {
	if c := m.current(); c != nil {
		return c.Title()
	}
	return "kumoup", ""
}

// View draws the header, the current screen's body and the help line,
// always exactly the window's size.
func (m Model) View() tea.View {
	bw, bh := m.bodySize()
	var body string
	if c := m.current(); c != nil {
		body = c.View()
	}
	title, sub := m.title()
	header := m.st.Title.Render("kumoup · "+title) + "  " + m.st.Step.Render(sub)
	if m.opt.Demo {
		header += "\n" + m.st.Banner.Render(" demo: nothing on this host is changed ")
	}
	parts := []string{fitHeight(header, m.headerHeight()-1, bw), "", fitHeight(body, bh, bw), "", m.helpView()}
	v := tea.NewView(strings.Join(parts, "\n"))
	v.AltScreen = true
	v.WindowTitle = "kumoup"
	return v
}

// fitHeight cuts or pads s to exactly h lines, each cut to w cells.
func fitHeight(s string, h, w int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = truncate(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
