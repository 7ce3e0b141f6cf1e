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
	if c.scrape.URL == "" {
		// The deployment's own endpoint, under the token rules of kumoup
		// status and metrics: its token only over verified https to its
		// own name, never with Target.Insecure.
		own, withheld, err := metrics.ConfigFor(&c.target, metrics.Endpoint{Token: c.scrape.Token})
		if err == nil {
			c.scrape.URL, c.scrape.Token, c.scrape.InsecureSkipVerify = own.URL, own.Token, own.InsecureSkipVerify
		}
		c.withheld = withheld
	} else if c.scrape.Token == "" {
		c.scrape.Token = m.deployment.InjectionToken
	}
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

// dashboard is the live view: a metrics pane and a checks pane.
type dashboard struct {
	cfg     dashConfig
	st      *Styles
	scraper *metrics.Scraper // nil: it could not be built
	sumz    *metrics.Summarizer

	metrics metricsPane
	checks  checksPane

	rot      *rotation // the token rotation pane (rotate.go), when open
	focus    int       // 0: metrics, 1: checks
	checkSeq int
	width    int
	height   int
}

func newDashboard(cfg dashConfig, st *Styles) *dashboard {
	d := &dashboard{cfg: cfg, st: st, sumz: metrics.NewSummarizer(), focus: 1}
	d.metrics.url, d.metrics.withheld = cfg.scrape.URL, cfg.withheld
	d.metrics.base, d.metrics.every = cfg.scrapeEvery, cfg.scrapeEvery
	d.metrics.rd = redact.New(cfg.scrape.Token, cfg.target.Deployment.InjectionToken, cfg.target.Deployment.WebhookToken)
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
	s, z, now := d.scraper, d.sumz, d.cfg.now
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

func (d *dashboard) SetSize(w, h int) {
	d.width, d.height = w, h
}

func (m Model) openDashboard() (tea.Model, tea.Cmd) {
	m.dash = newDashboard(m.dashboardConfig(), m.st)
	m.goTo(screenDashboard)
	return m, m.dash.Init(m.ctx)
}

func (m Model) updateDashboard(msg tea.Msg) (tea.Model, tea.Cmd) {
	d := m.dash
	if mm, cmd, ok := m.routeRotation(msg); ok {
		return mm, cmd
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
		return m, tea.Tick(max(d.metrics.every, d.cfg.scrapeEvery), func(time.Time) tea.Msg { return scrapeTickMsg{} })
	case scrapeTickMsg:
		return m, d.scrapeCmd(m.ctx)
	case checksMsg:
		d.checks.record(msg.results, msg.at)
		d.checkSeq++
		seq := d.checkSeq
		return m, tea.Tick(d.cfg.checkEvery, func(time.Time) tea.Msg { return checkTickMsg{seq: seq} })
	case checkTickMsg:
		if msg.seq != d.checkSeq || d.checks.running {
			return m, nil
		}
		d.checks.running = true
		return m, d.checksCmd(m.ctx)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.QuitQ):
			return m.quit(false)
		case key.Matches(msg, m.keys.SwitchPane):
			d.focus = 1 - d.focus
		case key.Matches(msg, m.keys.Rerun):
			if !d.checks.running {
				d.checks.running = true
				d.checkSeq++ // the pending tick is superseded
				return m, d.checksCmd(m.ctx)
			}
		case key.Matches(msg, m.keys.Up) && d.checksVisible():
			d.checks.move(-1)
		case key.Matches(msg, m.keys.Down) && d.checksVisible():
			d.checks.move(1)
		}
	}
	return m, nil
}

// checksVisible reports whether the checks pane is on screen (side by
// side, or focused under the tab bar): the arrows then select a check.
func (d *dashboard) checksVisible() bool { return d.width >= SideBySideWidth || d.focus == 1 }

// View lays the panes out side by side when the window is wide enough,
// else shows the focused one under a tab bar.
func (d *dashboard) View() string {
	st := d.st
	if d.rot != nil {
		return d.rot.View(st, d.width)
	}
	if d.width >= SideBySideWidth {
		lw := d.width / 2
		left := d.pane(0, lw, d.height)
		right := d.pane(1, d.width-lw, d.height)
		var b strings.Builder
		for i := range left {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(left[i])
			b.WriteString(right[i])
		}
		return b.String()
	}
	tabs := []string{"Metrics " + d.metrics.badge(st), "Checks " + d.checks.badge(st)}
	for i := range tabs {
		if i == d.focus {
			tabs[i] = st.Selected.Render(" " + tabs[i] + " ")
		} else {
			tabs[i] = " " + tabs[i] + " "
		}
	}
	bar := tabs[0] + " " + tabs[1] + st.Muted.Render("  tab: switch")
	return bar + "\n" + strings.Join(d.pane(d.focus, d.width, d.height-1), "\n")
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
