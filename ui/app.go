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

// screen is what the top-level model currently shows.
type screen int

const (
	screenPreflight  screen = iota // host facts before the wizard
	screenWizard                   // the answers, one huh form per page
	screenPlanning                 // tokens generated, files rendered and compared
	screenReview                   // every file and its masked diff
	screenApplying                 // per-file progress
	screenApplied                  // what was written, or what failed
	screenConnection               // the app's connection values
	screenNextSteps                // commands to run now
	screenDashboard                // metrics and checks

	screenApplyFailed // not a screen of its own: the keys of screenApplied after a failure

	screenFirewall         // the firewall rules, what they do, the confirmation
	screenFirewallDone     // not a screen of its own: the keys of screenFirewall once loaded or refused
	screenNextStepsProxy   // not a screen of its own: the keys of screenNextSteps on the KumoProxy host
	screenReviewNothing    // not a screen of its own: the keys of screenReview when every file is as rendered
	screenReviewBlocked    // not a screen of its own: the keys of screenReview when writing is refused or impossible
	screenDashboardMetrics // not a screen of its own: the keys of screenDashboard showing the metrics pane alone
	screenReviewSave       // not a screen of its own: the keys of screenReview when writing is refused for lack of root and the answers can be saved
)

// Model is the top-level bubbletea model: it owns the shared state (size,
// styles, keys, the deployment) and routes messages to the current screen.
type Model struct {
	ctx context.Context

	opt    Options
	st     *Styles
	keys   KeyMap
	help   help.Model
	width  int
	height int
	screen screen

	pre  preflight
	wiz  *wizard
	rev  review
	apl  applyView
	conn connection
	next nextSteps
	dash *dashboard
	fw   firewallView

	// host is the flow's host: the MTA host's wizard, or the KumoProxy
	// host's (ScreenProxyWizard).
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
		ctx:    context.Background(),
		opt:    opt,
		st:     st,
		keys:   DefaultKeyMap(),
		help:   h,
		width:  80,
		height: 24,
	}
	if opt.Prefill != nil {
		m.deployment = opt.Prefill.WithDefaults()
	}
	m.host = writer.HostMTA
	switch opt.Start {
	case ScreenDashboard:
		m.screen = screenDashboard
		m.dash = newDashboard(m.dashboardConfig(), st)
	case ScreenFirewall:
		m.screen = screenFirewall
		m.host = opt.FirewallHost
		m.fw = newFirewallView(opt, m.deployment, m.host, screenFirewall, st)
		m.err = ErrNotLoaded
	case ScreenProxyWizard:
		m.host = writer.HostProxy
		m.screen = screenPreflight
		m.pre = newPreflight(opt)
		m.pre.proxy = true
	default:
		m.screen = screenPreflight
		m.pre = newPreflight(opt)
	}
	m.setSize(m.width, m.height)
	return m
}

// Init asks the terminal for its background color and starts the first
// screen's commands.
func (m Model) Init() tea.Cmd {
	switch m.screen {
	case screenDashboard:
		return tea.Batch(tea.RequestBackgroundColor, m.dash.Init(m.ctx))
	case screenFirewall:
		return tea.Batch(tea.RequestBackgroundColor, prepareFirewallCmd(m.ctx, m.opt, m.deployment, m.host))
	default:
		return tea.Batch(tea.RequestBackgroundColor, senseHostCmd(m.ctx, m.opt))
	}
}

// Update routes msg to the current screen; commands' results are handled
// wherever they arrive.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		return m, nil
	case tea.InterruptMsg:
		return m.quit(true)
	case answersSavedMsg:
		return m.updateSaved(msg)
	case afterApplyMsg:
		// Options.AfterApply's result, wherever the operator is.
		return m.updateAfterApply(msg)
	case tea.BackgroundColorMsg:
		m.bg = &msg
		if m.st.Color {
			m.help.Styles = help.DefaultStyles(msg.IsDark())
		}
		if m.wiz != nil {
			m.wiz.bg = m.bg
			return m, m.wiz.Update(msg)
		}
		return m, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Quit) {
			return m.quit(true)
		}
		if m.screen != screenWizard && key.Matches(msg, m.keys.Help) {
			// Screens without text input: ? toggles the full help.
			m.help.ShowAll = !m.help.ShowAll
			m.setSize(m.width, m.height)
			return m, nil
		}
	}
	// A command's result goes to the screen that asked for it, even if the
	// operator has moved on meanwhile; anything else to the current screen.
	s := m.screen
	switch msg.(type) {
	case hostFactsMsg:
		s = screenPreflight
	case applyProgressMsg, applyDoneMsg:
		s = screenApplying
	case remaskMsg:
		s = screenConnection
	case stepDoneMsg, certEventMsg, certDoneMsg:
		s = screenNextSteps
	case fwPreparedMsg, fwLoadedMsg:
		s = screenFirewall
	case scrapeMsg, scrapeTickMsg, checksMsg, checkTickMsg:
		if m.dash == nil {
			return m, nil
		}
		s = screenDashboard
	}
	switch s {
	case screenPreflight:
		return m.updatePreflight(msg)
	case screenWizard:
		return m.updateWizard(msg)
	case screenPlanning:
		return m.updatePlanning(msg)
	case screenReview:
		return m.updateReview(msg)
	case screenApplying, screenApplied:
		return m.updateApply(msg)
	case screenConnection:
		return m.updateConnection(msg)
	case screenNextSteps:
		return m.updateNextSteps(msg)
	case screenDashboard:
		return m.updateDashboard(msg)
	case screenFirewall:
		return m.updateFirewall(msg)
	}
	return m, nil
}

// quit ends the program. Quitting before any file is written is an abort.
func (m Model) quit(interrupt bool) (tea.Model, tea.Cmd) {
	if interrupt && !m.written && m.opt.Start != ScreenDashboard {
		m.aborted = true
	}
	m.conn.hide()
	return m, tea.Quit
}

// goTo switches to screen s and resizes it.
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

func (m *Model) setSize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	bw, bh := m.bodySize()
	// Only the screen on show is laid out (the review re-renders every
	// diff): goTo lays out the next one as it opens.
	switch m.screen {
	case screenPreflight:
		m.pre.SetSize(bw, bh)
	case screenWizard:
		if m.wiz != nil {
			m.wiz.SetSize(bw, bh)
		}
	case screenReview:
		m.rev.SetSize(bw, bh)
	case screenApplying, screenApplied:
		m.apl.SetSize(bw, bh)
	case screenConnection:
		m.conn.SetSize(bw, bh)
	case screenNextSteps:
		m.next.SetSize(bw, bh)
	case screenFirewall:
		m.fw.SetSize(bw, bh)
	case screenDashboard:
		if m.dash != nil {
			m.dash.SetSize(bw, bh)
		}
	}
}

func (m Model) helpView() string {
	var km help.KeyMap
	if m.screen == screenWizard && m.wiz != nil {
		km = m.wiz.keyMap(m.keys)
	} else {
		km = m.keys.ShowingAll(m.help.ShowAll).For(m.helpScreen(), m.canRunSteps())
	}
	return m.help.View(km)
}

// helpScreen is the screen whose keys the help line shows: the current
// one, or the variant of it that its state calls for.
func (m Model) helpScreen() screen {
	s := m.screen
	switch {
	case s == screenApplied && m.apl.err != nil:
		return screenApplyFailed
	case s == screenNextSteps && m.host == writer.HostProxy:
		return screenNextStepsProxy
	case s == screenDashboard && m.dash != nil && !m.dash.checksVisible():
		return screenDashboardMetrics
	case s == screenReview && m.rev.offersSave():
		return screenReviewSave
	case s == screenReview && !m.rev.canWrite():
		return screenReviewBlocked
	case s == screenReview && m.rev.nothingToWrite():
		return screenReviewNothing
	case s == screenFirewall && !m.fw.ready() && !m.fw.loading && m.fw.prepared != nil:
		return screenFirewallDone
	}
	return s
}

// title is the header's title and subtitle.
func (m Model) title() (string, string) {
	title := "Setup"
	if m.host == writer.HostProxy {
		title = "KumoProxy host setup"
	}
	switch m.screen {
	case screenFirewall:
		return "Firewall", m.fw.host.Title()
	case screenPreflight:
		return title, "preflight"
	case screenWizard:
		if m.wiz != nil {
			return title, m.wiz.stepLabel()
		}
	case screenPlanning:
		return title, "preparing the files"
	case screenReview:
		return title, "review"
	case screenApplying, screenApplied:
		return title, "writing the files"
	case screenConnection:
		return title, "connection values for the app"
	case screenNextSteps:
		return title, "next steps"
	case screenDashboard:
		return "Dashboard", m.deployment.Domain
	}
	return "kumoup", ""
}

// View draws the header, the current screen's body and the help line,
// always exactly the window's size.
func (m Model) View() tea.View {
	bw, bh := m.bodySize()
	var body string
	switch m.screen {
	case screenPreflight:
		body = m.pre.View(m.st)
	case screenWizard:
		body = m.wiz.View()
	case screenPlanning:
		body = m.st.Muted.Render(m.planningText())
	case screenReview:
		body = m.rev.View(m.st)
	case screenApplying, screenApplied:
		body = m.apl.View(m.st)
	case screenConnection:
		body = m.conn.View(m.st)
	case screenNextSteps:
		body = m.next.View(m.st)
	case screenDashboard:
		body = m.dash.View()
	case screenFirewall:
		body = m.fw.View(m.st)
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
