package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
)

// SideBySideWidth is the narrowest window that shows both panes side by
// side; narrower windows show one pane at a time (tab switches).
const SideBySideWidth = 100

// dashConfig is what the dashboard watches and how often.
type dashConfig struct {
	target      probes.Target
	checks      []probes.Check
	scrape      metrics.Config
	withheld    string // why the token is not sent, "" when it is
	scrapeEvery time.Duration
	checkEvery  time.Duration
	now         func() time.Time
}

func (m Model) dashboardConfig() dashConfig {
	c := dashConfig{
		checks:      m.opt.Checks,
		scrape:      m.opt.Scrape,
		scrapeEvery: m.opt.ScrapeInterval,
		checkEvery:  m.opt.CheckInterval,
		now:         m.opt.now,
	}
	if m.opt.Target != nil {
		c.target = *m.opt.Target
	}
	c.target.Deployment = m.deployment
	c.target.Layout = m.opt.Layout
	if c.checks == nil {
		c.checks = probes.Catalogue()
	}
	// The deployment's own endpoint, or Scrape.URL, under the token rules
	// of kumoup status and metrics: a token only over verified https, the
	// deployment's own only to its own name, never with Target.Insecure.
	own, withheld, err := metrics.ConfigFor(&c.target, metrics.Endpoint{URL: c.scrape.URL, Token: c.scrape.Token})
	if err == nil {
		c.scrape.URL, c.scrape.InsecureSkipVerify = own.URL, own.InsecureSkipVerify
	}
	// On an error (no domain, a bad URL) no token goes anywhere; the
	// scraper says what is wrong.
	c.scrape.Token, c.withheld = own.Token, withheld
	if c.scrape.RootCAs == nil && c.scrape.TLS == nil {
		c.scrape.RootCAs = c.target.RootCAs
	}
	if c.scrape.DialContext == nil && len(c.target.ConnectTo) > 0 {
		t := c.target
		c.scrape.DialContext = t.DialContext
	}
	if c.scrape.Interval == 0 {
		c.scrape.Interval = c.scrapeEvery
	}
	return c
}

// Messages of the dashboard's commands.
type (
	scrapeMsg struct {
		sum     metrics.Summary
		err     error
		latency time.Duration
		at      time.Time
	}
	scrapeTickMsg struct{}
	checksMsg     struct {
		results []probes.Result
		at      time.Time
	}
	checkTickMsg struct{ seq int }
)

func (scrapeMsg) route() screen     { return screenDashboard }
func (scrapeTickMsg) route() screen { return screenDashboard }
func (checksMsg) route() screen     { return screenDashboard }
func (checkTickMsg) route() screen  { return screenDashboard }

// screenDashboard is the live dashboard: metrics and checks.
const screenDashboard screen = "dashboard"

// dashboard is the live view: a metrics pane and a checks pane.
type dashboard struct {
	cfg     dashConfig
	st      *Styles
	keys    *KeyMap
	scraper *metrics.Scraper // nil: it could not be built
	// summarizer keeps the rates' and sparklines' history between scrapes.
	summarizer *metrics.Summarizer

	metrics metricsPane
	checks  checksPane

	rotation *rotation // the token rotation pane (rotate.go), when open
	focus    int       // 0: metrics, 1: checks
	checkSeq int
	width    int
	height   int
}

func newDashboard(cfg dashConfig, st *Styles, k *KeyMap) *dashboard {
	d := &dashboard{cfg: cfg, st: st, keys: k, summarizer: metrics.NewSummarizer(), focus: 1}
	d.metrics.url, d.metrics.withheld = cfg.scrape.URL, cfg.withheld
	d.metrics.base, d.metrics.every = cfg.scrapeEvery, cfg.scrapeEvery
	d.metrics.redactor = redact.New(cfg.scrape.Token, cfg.target.Deployment.InjectionToken, cfg.target.Deployment.WebhookToken)
	s, err := metrics.NewScraper(cfg.scrape)
	if err != nil {
		d.metrics.err, d.metrics.errAt = d.metrics.redactError(err), cfg.now()
	} else {
		d.scraper = s
	}
	d.checks.total = len(cfg.checks)
	return d
}

// Init starts the first scrape and the first run of the checks.
func (d *dashboard) Init(ctx context.Context) tea.Cmd {
	d.checks.running = true
	return tea.Batch(d.scrapeCmd(ctx), d.checksCmd(ctx))
}

// scrapeCmd scrapes and summarizes in the command's goroutine: only the
// small Summary crosses into Update. One scrape at a time: the next is
// scheduled when this one's result arrives.
func (d *dashboard) scrapeCmd(ctx context.Context) tea.Cmd {
	if d.scraper == nil {
		return nil
	}
	s, z, now := d.scraper, d.summarizer, d.cfg.now
	return func() tea.Msg {
		start := time.Now()
		sum, err := s.Refresh(ctx, z)
		return scrapeMsg{sum: sum, err: err, latency: time.Since(start), at: now()}
	}
}

func (d *dashboard) checksCmd(ctx context.Context) tea.Cmd {
	t, checks, now := d.cfg.target, d.cfg.checks, d.cfg.now
	return func() tea.Msg {
		results := probes.Run(ctx, &t, checks)
		return checksMsg{results: results, at: now()}
	}
}

// dashboardScreen is the dashboard (nil until it opened).
func (m *Model) dashboardScreen() *dashboard {
	d, _ := m.screens[screenDashboard].(*dashboard)
	return d
}

func (d *dashboard) SetSize(w, h int) {
	d.width, d.height = w, h
}

func (d *dashboard) Title() (string, string) { return "Dashboard", d.cfg.target.Deployment.Domain }

// ShortHelp: the arrows and the detail's scrolling only while the checks
// pane has the focus.
func (d *dashboard) ShortHelp() []key.Binding {
	k := d.keys
	if d.focus != 1 {
		return []key.Binding{k.Dashboard.SwitchPane, k.Dashboard.Rerun, k.Dashboard.Rotate, k.Global.Help, k.Global.QuitQ}
	}
	return d.checksShortHelp()
}

func (d *dashboard) FullHelp() [][]key.Binding {
	k := d.keys
	if d.focus != 1 {
		return [][]key.Binding{{k.Dashboard.SwitchPane}, {k.Dashboard.Rerun, k.Dashboard.Rotate, k.Global.Help, k.Global.QuitQ}}
	}
	return [][]key.Binding{{k.Dashboard.SwitchPane, k.Dashboard.Up, k.Dashboard.Down}, {k.Dashboard.DetailUp, k.Dashboard.DetailDown}, {k.Dashboard.Rerun, k.Dashboard.Rotate, k.Global.Help, k.Global.QuitQ}}
}

// openDashboard watches the deployment just written.
func (m *Model) openDashboard() tea.Cmd {
	d := newDashboard(m.dashboardConfig(), m.st, m.keys)
	m.open(screenDashboard, d)
	return d.Init(m.ctx)
}

func (d *dashboard) Update(m *Model, msg tea.Msg) tea.Cmd {
	k := d.keys.Dashboard
	if cmd, ok := d.routeRotation(m, msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case scrapeMsg:
		d.metrics.record(msg)
		// A scrape taking over a quarter of the interval, or timing out,
		// lengthens it, and the scrape's deadline with it.
		var se *metrics.ScrapeError
		if msg.err == nil || errors.As(msg.err, &se) && se.Kind == metrics.KindTimeout {
			d.metrics.every = metrics.NextInterval(d.cfg.scrapeEvery, d.metrics.every, msg.latency)
			if d.scraper != nil {
				d.scraper.Stretch(d.metrics.every)
			}
		}
		return tea.Tick(max(d.metrics.every, d.cfg.scrapeEvery), func(time.Time) tea.Msg { return scrapeTickMsg{} })
	case scrapeTickMsg:
		return d.scrapeCmd(m.ctx)
	case checksMsg:
		d.checks.record(msg.results, msg.at)
		d.checkSeq++
		seq := d.checkSeq
		return tea.Tick(d.cfg.checkEvery, func(time.Time) tea.Msg { return checkTickMsg{seq: seq} })
	case checkTickMsg:
		if msg.seq != d.checkSeq || d.checks.running {
			return nil
		}
		d.checks.running = true
		return d.checksCmd(m.ctx)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, d.keys.Global.QuitQ):
			return m.quit(false)
		case key.Matches(msg, k.SwitchPane):
			d.focus = 1 - d.focus
			m.relayout() // the help line follows the focus
		case key.Matches(msg, k.Rerun):
			if !d.checks.running {
				d.checks.running = true
				d.checkSeq++ // the pending tick is superseded
				return d.checksCmd(m.ctx)
			}
		// The keys go to the focused pane only: side by side, the
		// metrics pane focused, the arrows do not move the checks.
		case key.Matches(msg, k.Up) && d.focus == 1:
			d.checks.move(-1)
		case key.Matches(msg, k.Down) && d.focus == 1:
			d.checks.move(1)
		case key.Matches(msg, k.DetailUp) && d.focus == 1:
			d.checks.scrollDetail(-1)
		case key.Matches(msg, k.DetailDown) && d.focus == 1:
			d.checks.scrollDetail(1)
		}
	}
	return nil
}

// View lays the panes out side by side when the window is wide enough,
// else shows the focused one under a tab bar.
func (d *dashboard) View() string {
	st := d.st
	if d.rotation != nil {
		return d.rotation.View(st, d.width)
	}
	if d.width >= SideBySideWidth {
		// The selected check's detail spans the window under both panes:
		// a remedy's code and paths (a demo's package.path string) are
		// wider than half of it, and must not break.
		detail := d.detailPane()
		top := d.height - len(detail)
		lw := d.width / 2
		left := d.pane(0, lw, top)
		iw, ih := max(d.width-lw-2, 10), max(top-2, 3)
		right := st.frame(strings.Split(d.checks.ListView(st, iw, ih), "\n"), d.width-lw, top, d.focus == 1)
		var b strings.Builder
		for i := range left {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(left[i])
			b.WriteString(right[i])
		}
		for _, l := range detail {
			b.WriteString("\n" + l)
		}
		return b.String()
	}
	tabs := []string{"Metrics " + d.metrics.badge(st), "Checks " + d.checks.badge(st)}
	for i := range tabs {
		if i == d.focus {
			tabs[i] = st.Selected.Render(st.MarkOpen + tabs[i] + st.MarkClose)
		} else {
			tabs[i] = st.TabPadOpen + tabs[i] + st.TabPadEnd
		}
	}
	bar := tabs[0] + " " + tabs[1] + st.Muted.Render("  tab: switch")
	return bar + "\n" + strings.Join(d.pane(d.focus, d.width, d.height-1), "\n")
}

// detailPane is the selected check's detail framed across the window (up
// to a quarter of its height, scrolling), nil before the first run.
func (d *dashboard) detailPane() []string {
	iw := max(d.width-2, 10)
	n := len(d.checks.detail(d.st, iw))
	if n == 0 {
		return nil
	}
	ih := min(n, max(d.height/4, 3))
	return d.st.frame(d.checks.detailWindow(d.st, iw, ih), d.width, ih+2, d.focus == 1)
}

// pane renders pane which (0: metrics, 1: checks) framed in w×h cells.
func (d *dashboard) pane(which, w, h int) []string {
	iw, ih := max(w-2, 10), max(h-2, 3)
	var body string
	if which == 0 {
		body = d.metrics.View(d.st, iw, ih, d.cfg.now())
	} else {
		body = d.checks.View(d.st, iw, ih)
	}
	return d.st.frame(strings.Split(body, "\n"), w, h, which == d.focus)
}
