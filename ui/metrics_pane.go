package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/probes/metrics"
)

// metricsPane shows the latest metrics Summary. On a scrape error it keeps
// the last data, marked stale, with the error in place; the next good
// scrape clears it.
type metricsPane struct {
	url      string // the endpoint scraped, shown while waiting or failing
	withheld string // why the token is not sent (metrics.ConfigFor), "" when it is
	sum      metrics.Summary
	have     bool
	latency  time.Duration
	lastOK   time.Time
	err      error
	errAt    time.Time
	buf      []float64
	// base is the configured scrape interval; every is the one in use,
	// longer when scrapes take more than a quarter of it
	// (metrics.NextInterval).
	base, every time.Duration
	took        time.Duration // the last scrape's, good or not
	// redactor masks the tokens in whatever the endpoint said: error details
	// and label values (nil masks nothing).
	redactor *redact.Redactor
}

func (p *metricsPane) record(msg scrapeMsg) {
	p.took = msg.latency
	if msg.err != nil {
		if p.err == nil {
			p.errAt = msg.at
		}
		p.err = p.redactError(msg.err)
		return
	}
	p.sum, p.have, p.latency, p.lastOK = msg.sum, true, msg.latency, msg.at
	p.err = nil
}

// badge is the pane's one-word state for the tab bar.
func (p metricsPane) badge(st *Styles) string {
	switch {
	case p.err != nil && p.have:
		return st.Stale.Render("(stale)")
	case p.err != nil:
		return st.Fail.Render("(error)")
	case !p.have:
		return st.Muted.Render("(waiting)")
	}
	return st.Pass.Render(glyphPass)
}

// redactError keeps a ScrapeError's kind (its message and remedy are
// kumoup's own) with what the endpoint said (the detail, the underlying
// error) redacted and cut to an excerpt; any other error becomes its
// redacted text.
func (p *metricsPane) redactError(err error) error {
	var se *metrics.ScrapeError
	if errors.As(err, &se) {
		c := *se
		c.Detail = p.redactor.Excerpt(c.Detail)
		c.Err = p.redactor.Error(c.Err)
		return &c
	}
	return p.redactor.Error(err)
}

func errorText(err error) (msg, remedy string) {
	var se *metrics.ScrapeError
	if errors.As(err, &se) {
		msg = se.Message()
		if se.Detail != "" {
			msg += ": " + se.Detail
		}
		return msg, se.Remedy()
	}
	return err.Error(), ""
}

// View renders the pane in w×h cells.
func (p *metricsPane) View(st *Styles, w, h int, now time.Time) string {
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	head := st.Heading.Render("Metrics")
	if p.have {
		head += st.Muted.Render(fmt.Sprintf("  scraped %s in %s · %s samples", p.lastOK.Format("15:04:05"), roundLatency(p.latency), humanCount(float64(p.sum.Samples))))
	}
	add(head)
	if p.every > p.base && p.base > 0 {
		for _, l := range wrapLines(fmt.Sprintf("refreshing every %s, not %s, while a scrape takes %s (kept under a quarter of the interval)", p.every, p.base, roundLatency(p.took)), w) {
			add(st.Warn.Render(l))
		}
	}
	if p.withheld != "" {
		for _, l := range wrapLines(glyphWarn+" "+p.withheld, w) {
			add(st.Warn.Render(l))
		}
	}
	if p.err != nil {
		msg, remedy := errorText(p.err)
		what := "scrape of " + p.url + " failed"
		if p.have {
			what = "stale: last good scrape " + p.lastOK.Format("15:04:05")
		}
		for _, l := range wrapLines(glyphFail+" "+what+"; failing since "+p.errAt.Format("15:04:05"), w) {
			add(st.Fail.Render(l))
		}
		for _, l := range wrapLines(msg, w-2) {
			add(st.Error.Render("  " + l))
		}
		if remedy != "" {
			for _, l := range wrapLines("fix: "+remedy, w-2) {
				add(st.Muted.Render("  " + l))
			}
		}
	}
	if !p.have {
		if p.err == nil {
			for _, l := range wrapLines("waiting for the first scrape of "+p.url+"…", w) {
				add(st.Muted.Render(l))
			}
		}
		return p.redactor.String(strings.Join(lines, "\n"))
	}
	s := &p.sum
	valueStyle := st.Value
	if p.err != nil {
		valueStyle = st.Stale
	}
	const labelW, valueW = 16, 10
	sparkW := max(w-labelW-valueW-2, 0)
	row := func(label string, stat metrics.Stat, format func(float64) string) {
		v := "—"
		if stat.Known {
			v = format(stat.Value)
		}
		p.buf = stat.History.AppendTo(p.buf[:0])
		line := st.Label.Render(padRight(label, labelW)) + valueStyle.Render(fmt.Sprintf("%*s", valueW, v))
		if sparkW > 0 && len(p.buf) > 0 {
			line += "  " + st.Spark.Render(sparkline(p.buf, sparkW))
		}
		add(line)
	}
	rate := func(v float64) string { return humanRate(v) + "/s" }
	row("Delivered", s.Delivered, rate)
	row("Transient fail", s.Transfail, rate)
	row("Failed", s.Failed, rate)
	row("Received", s.Received, rate)
	row("Ready", s.Ready, humanCount)
	row("Scheduled", s.Scheduled, humanCount)
	row("Messages", s.Messages, humanCount)
	row("Conns out", s.OutboundConns, humanCount)
	row("Conns in", s.InboundConns, humanCount)
	mem := "—"
	if s.Memory.Known {
		mem = humanBytes(s.Memory.Value)
		if s.MemoryLimit.Known && s.MemoryLimit.Value > 0 {
			mem += " of " + humanBytes(s.MemoryLimit.Value)
		}
	}
	add(st.Label.Render(padRight("Memory", labelW)) + valueStyle.Render(mem))

	// The deployment's own concerns: the webhook backlog and the proxy.
	if len(s.Webhooks) == 0 {
		add(st.Label.Render(padRight("Webhook", labelW)) + st.Muted.Render("no log hook reported"))
	}
	for _, hk := range s.Webhooks {
		row("Webhook backlog", hk.Total, humanCount)
		if len(s.Webhooks) > 1 {
			lines[len(lines)-1] += st.Muted.Render(" " + p.redactor.String(hk.Logger))
		}
	}
	if len(s.Disks) > 0 {
		parts := make([]string, 0, len(s.Disks))
		for _, dk := range s.Disks {
			if dk.Percent.Known {
				parts = append(parts, fmt.Sprintf("%s %.0f%%", p.redactor.String(dk.Name), dk.Percent.Value))
			}
		}
		// One line when it fits, else continued under the values, one
		// location never split.
		label := "Disk free"
		for _, l := range joinFitting(parts, " · ", max(w-labelW, 10)) {
			add(st.Label.Render(padRight(label, labelW)) + valueStyle.Render(l))
			label = ""
		}
	}
	pf := humanRate(s.ProxyFailures.Value) + "/s"
	add(st.Label.Render(padRight("Proxy failures", labelW)) + valueStyle.Render(fmt.Sprintf("%*s", valueW, pf)) + st.Muted.Render(fmt.Sprintf("  %s since start", humanCount(s.ProxyFailuresTotal))))
	for _, src := range s.Suspended {
		for _, l := range wrapIndented(glyphWarn+" egress source "+p.redactor.String(src.Source)+" suspended: "+p.redactor.Excerpt(src.Reason), w, 2) {
			add(st.Warn.Render(l))
		}
	}
	if room := h - len(lines) - 1; room > 0 && len(s.TopQueues) > 0 {
		shown := min(room, len(s.TopQueues))
		head := st.Heading.Render("Top queues")
		if shown < len(s.TopQueues) {
			// Say there are more, and how to see them.
			head += st.Muted.Render(fmt.Sprintf("  %d of %d (a taller window shows more)", shown, len(s.TopQueues)))
		}
		add(truncate(head, w))
		const countW = 7
		nameW := max(w-2-1-countW, 5)
		for _, q := range s.TopQueues[:shown] {
			name := truncate(queueName(p.redactor.String(q.Queue)), nameW) // redacted before it is cut
			add("  " + name + strings.Repeat(" ", max(nameW-ansi.StringWidth(name), 0)) + " " + valueStyle.Render(fmt.Sprintf("%*s", countW, humanCount(q.Ready.Value))))
		}
	}
	return p.redactor.String(strings.Join(lines, "\n"))
}

// queueName drops the service decoration of a ready queue's label:
// "smtp_client:ip-1->gmail.com@smtp_client" reads "ip-1->gmail.com".
func queueName(q string) string {
	q = strings.TrimPrefix(q, "smtp_client:")
	return strings.TrimSuffix(q, "@smtp_client")
}

func roundLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// joinFitting joins parts with sep into lines of at most w cells, never
// splitting a part (one wider than w gets a line of its own).
func joinFitting(parts []string, sep string, w int) []string {
	var out []string
	for _, p := range parts {
		if n := len(out); n > 0 && ansi.StringWidth(out[n-1]+sep+p) <= w {
			out[n-1] += sep + p
			continue
		}
		out = append(out, p)
	}
	return out
}
