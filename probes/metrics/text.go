package metrics

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// WriteText writes s as kumoup metrics prints it: a header line naming
// source (the URL or file scraped), then aligned blocks of rates, gauges,
// thread pools, disks, log hooks, suspended sources, and the top queues and
// providers. An unknown value is "-".
func WriteText(w io.Writer, s Summary, source string) error {
	bw := bufio.NewWriter(w)
	writeText(bw, s, source)
	return bw.Flush()
}

func writeText(w io.Writer, s Summary, source string) {
	rates := "rates need a second scrape"
	if s.Interval > 0 {
		rates = "rates over " + s.Interval.Round(time.Millisecond).String()
	}
	parser := ""
	if s.Reference {
		parser = ", parsed by expfmt"
	}
	fmt.Fprintf(w, "%s  %s  %d samples of %s%s, %s\n\n", s.At.Format(time.DateTime), source, s.Samples, textByteSize(float64(s.Bytes)), parser, rates)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "delivered\t%s\ttransient failures\t%s\tpermanent failures\t%s\n", textPerSec(s.Delivered), textPerSec(s.Transfail), textPerSec(s.Failed))
	fmt.Fprintf(tw, "received\t%s\trejections\t%s\tproxy failures\t%s (%s total)\n", textPerSec(s.Received), textPerSec(s.Rejections), textPerSec(s.ProxyFailures), textNumber(s.ProxyFailuresTotal))
	fmt.Fprintf(tw, "scheduled\t%s\tready\t%s\tmessages\t%s\n", textCount(s.Scheduled), textCount(s.Ready), textCount(s.Messages))
	fmt.Fprintf(tw, "resident\t%s\tmemory\t%s\tmemory limit\t%s\n", textCount(s.Resident), textBytes(s.Memory), textBytes(s.MemoryLimit))
	fmt.Fprintf(tw, "connections out\t%s\tconnections in\t%s\n", textCount(s.OutboundConns), textCount(s.InboundConns))
	tw.Flush()

	var pools []string
	for _, p := range s.ThreadPools {
		pools = append(pools, fmt.Sprintf("%s %s", cutLabel(p.Name), textPercent(p.Busy)))
	}
	textLine(w, "thread pools busy", pools)
	var disks []string
	for _, d := range s.Disks {
		disks = append(disks, fmt.Sprintf("%s %s", cutLabel(d.Name), textPercent(d.Percent)))
	}
	textLine(w, "disk free", disks)
	var hooks []string
	for _, h := range s.Webhooks {
		hooks = append(hooks, fmt.Sprintf("%s %s back-pressure hits, %s", cutLabel(h.Logger), textCount(h.Total), textPerSec(h.PerSecond)))
	}
	textLine(w, "log hooks", hooks)
	var sus []string
	for _, x := range s.Suspended {
		sus = append(sus, fmt.Sprintf("%s (%s)", cutLabel(x.Source), cutLabel(x.Reason)))
	}
	textLine(w, "suspended sources", sus)

	if len(s.TopQueues) > 0 {
		fmt.Fprintln(w, "\ntop ready queues")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		for _, q := range s.TopQueues {
			fmt.Fprintf(tw, "  %s\t  %s\n", textCount(q.Ready), cutLabel(q.Queue))
		}
		tw.Flush()
	}
	if len(s.TopProviders) > 0 {
		fmt.Fprintln(w, "\ntop providers")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  provider\tqueued\tdelivered/s\ttransfail/s\tfailed/s\tconnections")
		for _, p := range s.TopProviders {
			fmt.Fprintf(tw, "  %s\t%s\t%.1f\t%.1f\t%.1f\t%s\n", cutLabel(p.Provider), textCount(p.Queued), p.Delivered, p.Transfail, p.Failed, textNumber(p.Connections))
		}
		tw.Flush()
	}
}

// MaxLabelText is how much of a label value (a queue, provider, source or
// pool name) the text summary prints: kumod copies them from what it was
// sent, so they can be any length.
const MaxLabelText = 200

// cutLabel cuts v to MaxLabelText bytes, on a character boundary, and
// marks the cut with an ellipsis.
func cutLabel(v string) string {
	if len(v) <= MaxLabelText {
		return v
	}
	n := MaxLabelText
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + "…"
}

func textLine(w io.Writer, label string, items []string) {
	if len(items) == 0 {
		items = []string{"-"}
	}
	fmt.Fprintf(w, "%-18s %s\n", label, strings.Join(items, ", "))
}

// textStat formats a known value with format, an unknown one as "-".
func textStat(s Stat, format func(float64) string) string {
	if !s.Known {
		return "-"
	}
	return format(s.Value)
}

func textPerSec(s Stat) string {
	return textStat(s, func(v float64) string { return fmt.Sprintf("%.1f/s", v) })
}

func textCount(s Stat) string { return textStat(s, textNumber) }

func textPercent(s Stat) string {
	return textStat(s, func(v float64) string { return fmt.Sprintf("%.0f%%", v) })
}

func textBytes(s Stat) string { return textStat(s, textByteSize) }

func textNumber(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}

func textByteSize(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
