package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kumoup/kumoup/probes"
)

// checksPane lists every check with its status, failing checks first,
// then warnings, then the rest in the catalogue's order; the selected
// one's detail and remedy are shown below the list, scrolling when they do
// not fit. A check whose status changed since the previous run is marked.
type checksPane struct {
	results     []probes.Result
	changed     map[string]bool
	selected    int
	offset      int
	detailAt    int // the first detail line shown
	detailLines int // detail lines, as last rendered
	detailFit   int // detail lines that fit, as last rendered
	lastRun     time.Time
	runs        int
	running     bool
	total       int
}

// worstFirst orders results failing first, then warnings, keeping the
// catalogue's order within each status: the glance shows what is wrong
// without a key press.
func worstFirst(results []probes.Result) []probes.Result {
	rank := func(s probes.Status) int {
		switch s {
		case probes.StatusFail:
			return 0
		case probes.StatusWarn:
			return 1
		}
		return 2
	}
	out := slices.Clone(results)
	slices.SortStableFunc(out, func(a, b probes.Result) int { return rank(a.Status) - rank(b.Status) })
	return out
}

func (p *checksPane) record(results []probes.Result, at time.Time) {
	// Root causes first (the failures that block other checks), then the
	// other failures and warnings: the glance shows what is wrong first.
	results = worstFirst(probes.RootCausesFirst(results))
	if p.runs == 0 {
		// The first run selects the first check, the worst one.
		p.selected, p.detailAt = 0, 0
	}
	prev := make(map[string]probes.Status, len(p.results))
	for _, r := range p.results {
		prev[r.ID] = r.Status
	}
	selID := ""
	if p.selected < len(p.results) {
		selID = p.results[p.selected].ID
	}
	p.changed = make(map[string]bool)
	for i, r := range results {
		if s, ok := prev[r.ID]; ok && s != r.Status {
			p.changed[r.ID] = true
		}
		if r.ID == selID {
			p.selected = i
		}
	}
	p.results, p.lastRun, p.running = results, at, false
	p.runs++
	p.selected = min(p.selected, max(len(results)-1, 0))
}

func (p *checksPane) move(delta int) {
	if len(p.results) == 0 {
		return
	}
	p.selected = (p.selected + delta + len(p.results)) % len(p.results)
	p.detailAt = 0
}

// scrollDetail scrolls the selected check's detail by a page (delta 1
// down, -1 up).
func (p *checksPane) scrollDetail(delta int) {
	page := max(p.detailFit-1, 1)
	p.detailAt = max(0, min(p.detailAt+delta*page, max(p.detailLines-p.detailFit, 0)))
}

func (p checksPane) badge(st *Styles) string {
	if p.runs == 0 {
		return st.Muted.Render("(running)")
	}
	s := probes.Summarize(p.results)
	switch {
	case s.Fail > 0:
		return st.Fail.Render(fmt.Sprintf("%s%d", glyphFail, s.Fail))
	case s.Warn > 0:
		return st.Warn.Render(fmt.Sprintf("%s%d", glyphWarn, s.Warn))
	}
	return st.Pass.Render(glyphPass)
}

func statusGlyph(st *Styles, s probes.Status) string {
	switch s {
	case probes.StatusPass:
		return st.Pass.Render(glyphPass)
	case probes.StatusWarn:
		return st.Warn.Render(glyphWarn)
	case probes.StatusFail:
		return st.Fail.Render(glyphFail)
	}
	return st.Skip.Render(glyphSkip)
}

// View renders the pane in w×h cells, the selected check's detail under
// the list.
func (p *checksPane) View(st *Styles, w, h int) string { return p.render(st, w, h, true) }

// ListView renders the pane without the detail, which the dashboard draws
// apart, the window's full width, when the panes are side by side.
func (p *checksPane) ListView(st *Styles, w, h int) string { return p.render(st, w, h, false) }

func (p *checksPane) render(st *Styles, w, h int, withDetail bool) string {
	var lines []string
	head := st.Heading.Render("Checks")
	switch {
	case p.runs == 0:
		head += st.Muted.Render(fmt.Sprintf("  running %d checks…", p.total))
		return head
	case len(p.results) == 0:
		return head + st.Muted.Render("  none selected")
	default:
		s := probes.Summarize(p.results)
		head += "  " + st.Pass.Render(fmt.Sprintf("%d%s", s.Pass, glyphPass)) + " " +
			st.Warn.Render(fmt.Sprintf("%d%s", s.Warn, glyphWarn)) + " " +
			st.Fail.Render(fmt.Sprintf("%d%s", s.Fail, glyphFail)) + " " +
			st.Skip.Render(fmt.Sprintf("%d%s", s.Skip, glyphSkip))
		when := "  run " + p.lastRun.Format("15:04:05")
		if p.running {
			when = "  re-running…"
		}
		head += st.Muted.Render(when)
	}
	lines = append(lines, head)

	// The detail of the selected check takes what it needs (up to a
	// third of the pane); the list gets the rest.
	var detail []string
	listH := max(h-1, 1)
	if withDetail {
		detail = p.detailWindow(st, w, max(h/3, 3))
		listH = max(h-1-len(detail)-1, 1)
	}
	if p.selected < p.offset {
		p.offset = p.selected
	}
	if p.selected >= p.offset+listH {
		p.offset = p.selected - listH + 1
	}
	p.offset = max(0, min(p.offset, max(len(p.results)-listH, 0)))
	for i := p.offset; i < len(p.results) && i < p.offset+listH; i++ {
		r := p.results[i]
		mark := " "
		if p.changed[r.ID] {
			mark = st.Changed.Render(glyphChanged)
		}
		text, sel := truncate(r.Title, max(w-4, 1)), " "
		if i == p.selected {
			text, sel = st.Selected.Render(text), st.SelectedMark
		}
		lines = append(lines, statusGlyph(st, r.Status)+mark+sel+text)
	}
	if !withDetail {
		return strings.Join(lines, "\n")
	}
	for len(lines) < 1+listH {
		lines = append(lines, "")
	}
	lines = append(lines, st.Muted.Render(strings.Repeat("─", w)))
	lines = append(lines, detail...)
	return strings.Join(lines, "\n")
}

// detailWindow is the part of the selected check's detail that fits in h
// lines from detailAt, its last line saying what is left when it does not
// all fit.
func (p *checksPane) detailWindow(st *Styles, w, h int) []string {
	all := p.detail(st, w)
	p.detailLines, p.detailFit = len(all), h
	if len(all) <= h {
		p.detailAt = 0
		return all
	}
	p.detailFit = h - 1 // the last line says where the rest is
	p.detailAt = max(0, min(p.detailAt, len(all)-p.detailFit))
	end := min(p.detailAt+p.detailFit, len(all))
	out := slices.Clone(all[p.detailAt:end])
	mark := fmt.Sprintf("── %d-%d of %d lines · pgup/pgdn ──", p.detailAt+1, end, len(all))
	return append(out, st.Muted.Render(truncate(mark, w)))
}

// detail is the selected check's ID, status, detail and remedy, wrapped.
func (p checksPane) detail(st *Styles, w int) []string {
	if p.selected >= len(p.results) {
		return nil
	}
	r := p.results[p.selected]
	var out []string
	head := statusGlyph(st, r.Status) + " " + st.Heading.Render(r.ID) + st.Muted.Render(" · "+r.Status.String())
	if p.changed[r.ID] {
		head += st.Changed.Render(" · changed since the last run")
	}
	out = append(out, truncate(head, w))
	out = append(out, wrapLines(r.Detail, w)...)
	if r.Remedy != "" {
		label := "fix: "
		if r.Status == probes.StatusSkip {
			label = "why: "
		}
		for _, l := range wrapLines(label+r.Remedy, w) {
			out = append(out, st.Warn.Render(l))
		}
	}
	return out
}
