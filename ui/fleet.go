package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/fleet"
)

// FleetOptions configure [RunFleet] and [NewFleet].
type FleetOptions struct {
	// Source names where the hosts come from (Prometheus's URL), for the
	// header.
	Source string
	// Fetch asks for the hosts (fleet.Client.Fetch); it runs in a command,
	// never in Update.
	Fetch func(ctx context.Context) (fleet.Snapshot, error)
	// Interval is the time between refreshes (DefaultFleetInterval when 0).
	Interval time.Duration
	// NoColor turns colors off (they are on unless NO_COLOR is set or
	// TERM=dumb).
	NoColor bool
	// Input and Output default to the terminal.
	Input  io.Reader
	Output io.Writer
}

// DefaultFleetInterval is the fleet view's refresh interval.
const DefaultFleetInterval = 5 * time.Second

// Fleet is the fleet view's program model: one row per host, worst first,
// refreshed live; enter shows the selected host's failing checks.
type Fleet struct {
	opt    FleetOptions
	ctx    context.Context
	styles *Styles
	keys   FleetKeyMap
	help   help.Model

	snap     fleet.Snapshot
	err      error // the last refresh's error; snap is the last answer
	fetching bool
	loaded   bool

	cursor, offset int
	detail         bool
	width, height  int
}

// fleetFetchedMsg carries a refresh's answer.
type fleetFetchedMsg struct {
	snap fleet.Snapshot
	err  error
}

// fleetTickMsg asks for the next refresh.
type fleetTickMsg struct{}

// NewFleet returns the fleet view's model.
func NewFleet(ctx context.Context, opt FleetOptions) Fleet {
	if opt.Interval <= 0 {
		opt.Interval = DefaultFleetInterval
	}
	st := NewStyles(!opt.NoColor && colorWanted(os.Getenv))
	h := help.New()
	h.Styles = st.Help
	return Fleet{opt: opt, ctx: ctx, styles: st, keys: DefaultFleetKeyMap(), help: h, width: 80, height: 24}
}

// RunFleet shows the fleet view until the operator quits.
func RunFleet(ctx context.Context, opt FleetOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithoutSignalHandler()}
	if opt.Input != nil {
		popts = append(popts, tea.WithInput(opt.Input))
	}
	if opt.Output != nil {
		popts = append(popts, tea.WithOutput(opt.Output))
	}
	_, err := tea.NewProgram(NewFleet(ctx, opt), popts...).Run()
	if err != nil && !errors.Is(err, tea.ErrInterrupted) && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// Init asks for the first answer.
func (m Fleet) Init() tea.Cmd { return m.fetch() }

// fetch is the refresh command (bounded by the interval, at least 5 s).
func (m Fleet) fetch() tea.Cmd {
	ctx, fetch, limit := m.ctx, m.opt.Fetch, max(m.opt.Interval, 5*time.Second)
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		snap, err := fetch(c)
		return fleetFetchedMsg{snap, err}
	}
}

// SetSize fits the view to the terminal.
func (m *Fleet) SetSize(w, h int) {
	m.width, m.height = max(w, 40), max(h, 10)
	m.help.SetWidth(m.width)
	m.clampCursor()
}

// Update handles keys, sizes and refreshes; it never waits.
func (m Fleet) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
	case fleetFetchedMsg:
		m.fetching = false
		m.err = msg.err
		if msg.err == nil {
			m.cursor = m.sameHost(msg.snap)
			m.snap, m.loaded = msg.snap, true
			m.clampCursor()
			m.detail = m.detail && len(m.snap.Hosts) > 0
		}
		return m, tea.Tick(m.opt.Interval, func(time.Time) tea.Msg { return fleetTickMsg{} })
	case fleetTickMsg:
		if m.fetching {
			return m, nil
		}
		m.fetching = true
		return m, m.fetch()
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Fleet) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Refresh):
		if !m.fetching {
			m.fetching = true
			return m, m.fetch()
		}
	case m.detail && key.Matches(msg, m.keys.Back):
		m.detail = false
	case !m.detail && key.Matches(msg, m.keys.Up):
		m.cursor--
		m.clampCursor()
	case !m.detail && key.Matches(msg, m.keys.Down):
		m.cursor++
		m.clampCursor()
	case !m.detail && key.Matches(msg, m.keys.Open):
		m.detail = len(m.snap.Hosts) > 0
	}
	return m, nil
}

// sameHost is the selected host's row in next (the order changes as
// hosts get better or worse), or the cursor's row when it is gone.
func (m Fleet) sameHost(next fleet.Snapshot) int {
	if m.cursor < len(m.snap.Hosts) {
		name := m.snap.Hosts[m.cursor].Instance
		for i, h := range next.Hosts {
			if h.Instance == name {
				return i
			}
		}
	}
	return m.cursor
}

// rows is how many host rows fit.
func (m Fleet) rows() int { return max(1, m.height-5-max(1, len(m.statusLines()))) }

func (m *Fleet) clampCursor() {
	m.cursor = max(0, min(m.cursor, len(m.snap.Hosts)-1))
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+m.rows() {
		m.offset = m.cursor - m.rows() + 1
	}
	m.offset = max(0, min(m.offset, len(m.snap.Hosts)-m.rows()))
}

// View renders the list or the selected host, exactly the terminal's size.
func (m Fleet) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	return v
}

// Render is the view's text: header, body, status line and help, padded
// to the terminal's height.
func (m Fleet) Render() string {
	lines := []string{m.header(), ""}
	var keys fleetHelp
	if m.detail && m.cursor < len(m.snap.Hosts) {
		lines = append(lines, m.hostLines(m.snap.Hosts[m.cursor])...)
		keys = m.keys.forDetail()
	} else {
		lines = append(lines, m.table()...)
		keys = m.keys.forList()
	}
	status := m.statusLines()
	if len(status) == 0 {
		status = []string{""}
	}
	body := max(0, m.height-1-len(status))
	for len(lines) < body {
		lines = append(lines, "")
	}
	lines = append(append(lines[:body], status...), m.help.ShortHelpView(keys))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	return strings.Join(lines, "\n")
}

func (m Fleet) header() string {
	st := m.styles
	s := st.Title.Render("kumoup fleet")
	if m.loaded {
		s += st.Muted.Render(fmt.Sprintf(" · %s · %s at %s", fleetPlural(len(m.snap.Hosts), "host"), m.opt.Source, m.snap.At.UTC().Format("15:04:05 UTC")))
	} else {
		s += st.Muted.Render(" · asking " + m.opt.Source + "…")
	}
	return s
}

// fleetStatusMax bounds the lines the status line may wrap to.
const fleetStatusMax = 3

// statusLines say a refresh failed (the last answer stays shown), wrapped
// at spaces to the width, at most fleetStatusMax lines; none when the last
// refresh worked.
func (m Fleet) statusLines() []string {
	if m.err == nil {
		return nil
	}
	when := "no answer yet"
	if m.loaded {
		when = "showing the answer of " + m.snap.At.UTC().Format("15:04:05 UTC")
	}
	s := m.styles.Error.Render(glyphFail+" Prometheus: "+fleetOneLine(m.err.Error())) + m.styles.Muted.Render(" ("+when+")")
	lines := strings.Split(ansi.Wordwrap(s, max(m.width, 20), ""), "\n")
	if len(lines) > fleetStatusMax {
		lines = append(lines[:fleetStatusMax-1], ansi.Truncate(strings.Join(lines[fleetStatusMax-1:], " "), max(m.width, 20), "…"))
	}
	return lines
}

// Column widths of the table, after the host column.
var fleetColumns = []struct {
	title string
	width int
}{{"FAIL", 5}, {"CERT", 6}, {"DELIV/s", 8}, {"TRANSF/s", 9}, {"BACKLOG", 8}, {"SWEEP", 6}}

func (m Fleet) table() []string {
	st := m.styles
	if m.loaded && len(m.snap.Hosts) == 0 {
		return []string{
			st.Muted.Render(`Prometheus knows no host with job="kumomta" or job="kumoup".`),
			st.Muted.Render("Its scrape config comes from ") + st.Code.Render("kumoup prometheus --host NAME ..."),
		}
	}
	fixed := 0
	for _, c := range fleetColumns {
		fixed += c.width + 1
	}
	hostW := max(8, m.width-2-fixed)
	head := "  " + fleetPad("HOST", hostW)
	for _, c := range fleetColumns {
		head += " " + fleetPadLeft(c.title, c.width)
	}
	lines := []string{st.Heading.Render(head)}
	end := min(len(m.snap.Hosts), m.offset+m.rows())
	for i := m.offset; i < end; i++ {
		h := m.snap.Hosts[i]
		cells := []string{fleetFailCell(h), fleetDaysCell(h.CertificateDays), fleetRateCell(h.Delivered), fleetRateCell(h.Transfail), fleetCountCell(h.Backlog), fleetAgeCell(h.SweepAge)}
		row := fleetPad(ansi.Truncate(h.Instance, hostW, "…"), hostW)
		for j, c := range fleetColumns {
			row += " " + fleetPadLeft(cells[j], c.width)
		}
		if i == m.cursor {
			row = st.Selected.Render(row)
		}
		lines = append(lines, m.glyph(h.Severity())+" "+row)
	}
	if more := len(m.snap.Hosts) - end; more > 0 {
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  … %d more below", more)))
	}
	return lines
}

// hostLines is the selected host: its scrapes and figures, then its
// failing and warning checks.
func (m Fleet) hostLines(h fleet.Host) []string {
	st := m.styles
	sev := map[probes.Status]string{probes.StatusFail: "failing", probes.StatusWarn: "warning", probes.StatusPass: "healthy"}[h.Severity()]
	lines := []string{
		m.glyph(h.Severity()) + " " + st.Heading.Render(h.Instance) + "  " + sev,
		st.Label.Render("kumod scrape ") + fleetScrapeWord(h.KumodUp) + st.Label.Render("   checks scrape ") + fleetScrapeWord(h.ChecksUp) +
			st.Label.Render("   certificate ") + fleetDaysCell(h.CertificateDays) + st.Label.Render("   last sweep ") + fleetAgeCell(h.SweepAge),
		st.Label.Render("delivered ") + fleetRateCell(h.Delivered) + "/s" + st.Label.Render("   transient failures ") + fleetRateCell(h.Transfail) + "/s" +
			st.Label.Render("   webhook backlog ") + fleetCountCell(h.Backlog),
		"",
	}
	if h.Checks == 0 {
		lines = append(lines, st.Muted.Render("No checks exported: is kumoup-status.timer running there?"))
	} else {
		lines = append(lines, st.Heading.Render(fmt.Sprintf("Failing checks (%d)", len(h.Failing))))
	}
	for _, id := range h.Failing {
		lines = append(lines, "  "+st.Fail.Render(glyphFail)+" "+id)
	}
	if len(h.Warning) > 0 {
		lines = append(lines, st.Heading.Render(fmt.Sprintf("Warnings (%d)", len(h.Warning))))
		for _, id := range h.Warning {
			lines = append(lines, "  "+st.Warn.Render(glyphWarn)+" "+id)
		}
	}
	lines = append(lines, "")
	if h.KumodUp == fleet.Down || h.ChecksUp == fleet.Down {
		lines = append(lines, st.Muted.Render("A scrape is down: Prometheus's /targets page says why."))
	}
	if len(h.Failing) > 0 {
		lines = append(lines, st.Muted.Render("For the detail and the fix, on the host:"),
			"  "+st.Code.Render("sudo kumoup status --only "+strings.Join(h.Failing, ",")))
	}
	// The list of checks may be longer than the screen: keep the bottom
	// lines for the status and help, and say what was cut.
	if room := m.height - 4; len(lines) > room {
		cut := len(lines) - room + 1
		lines = append(lines[:room-1], st.Muted.Render(fmt.Sprintf("… %d more lines: widen the terminal or run kumoup status on the host", cut)))
	}
	return lines
}

func (m Fleet) glyph(s probes.Status) string {
	switch s {
	case probes.StatusFail:
		return m.styles.Fail.Render(glyphFail)
	case probes.StatusWarn:
		return m.styles.Warn.Render(glyphWarn)
	}
	return m.styles.Pass.Render(glyphPass)
}

func fleetScrapeWord(s fleet.Scrape) string {
	switch s {
	case fleet.Up:
		return "up"
	case fleet.Down:
		return "DOWN"
	}
	return "none"
}

func fleetFailCell(h fleet.Host) string {
	if h.Checks == 0 {
		return "—"
	}
	return fmt.Sprint(len(h.Failing))
}

func fleetDaysCell(d float64) string {
	switch {
	case math.IsNaN(d):
		return "—"
	case d < 0:
		return "expired"
	}
	return fmt.Sprintf("%dd", int(d))
}

func fleetRateCell(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func fleetCountCell(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

func fleetAgeCell(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func fleetPad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

func fleetPadLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-lipgloss.Width(s))) + s
}

func fleetOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func fleetPlural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %ss", n, one)
}
