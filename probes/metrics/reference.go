package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parseReference parses an exposition with expfmt, the parser of record.
func parseReference(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		var pe expfmt.ParseError
		if errors.As(err, &pe) {
			return nil, &ParseError{Line: pe.Line, Msg: pe.Msg}
		}
		return nil, err
	}
	return mfs, nil
}

// referenceSamples reports the samples of watched families from expfmt's
// parse, in the fast path's order (family by family, lines in order),
// skipping families whose type is not counter, gauge or untyped, and
// returns how many samples the exposition holds, of every family (as the
// fast path counts them: one per sample line). It is the fallback when the
// fast path meets syntax it leaves to expfmt. Series keys are rebuilt from
// the labels, so they differ from the fast path's raw text.
func referenceSamples(body []byte, visit func(*sample)) (int, error) {
	mfs, err := parseReference(bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			n += sampleLines(m)
		}
	}
	var s sample
	var key []byte
	for f := famNone + 1; f < numFamilies; f++ {
		mf := mfs[familyNames[f]]
		if mf == nil {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER, dto.MetricType_GAUGE, dto.MetricType_UNTYPED:
		default:
			continue
		}
		for _, m := range mf.GetMetric() {
			s = sample{fam: f, value: metricValue(m)}
			key = append(key[:0], familyNames[f]...)
			sep := byte('{')
			for _, l := range m.GetLabel() {
				s.labels = append(s.labels, labelPair{name: []byte(l.GetName()), value: []byte(l.GetValue())})
				key = append(key, sep)
				sep = ','
				key = append(key, l.GetName()...)
				key = append(key, '=')
				key = strconv.AppendQuote(key, l.GetValue())
			}
			if len(m.GetLabel()) > 0 {
				key = append(key, '}')
			}
			s.key = key
			visit(&s)
		}
	}
	return n, nil
}

// sampleLines is how many sample lines m stands for in the text format:
// a histogram's buckets, _sum and _count, a summary's quantiles, _sum and
// _count, else one.
func sampleLines(m *dto.Metric) int {
	switch {
	case m.Histogram != nil:
		return len(m.GetHistogram().GetBucket()) + 2
	case m.Summary != nil:
		return len(m.GetSummary().GetQuantile()) + 2
	}
	return 1
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

// Dump parses the exposition read from r with expfmt, the parser of record,
// and writes one line per sample to w in a stable sorted order:
//
//	FAMILY TYPE SERIES VALUE
//
// where SERIES is the sample's name with its labels sorted by name
// (histogram and summary samples appear as their _bucket, _sum, _count and
// quantile series). A malformed exposition gives a *ParseError.
func Dump(w io.Writer, r io.Reader) error {
	mfs, err := parseReference(r)
	if err != nil {
		return fmt.Errorf("parse exposition: %w", err)
	}
	names := make([]string, 0, len(mfs))
	for name := range mfs {
		names = append(names, name)
	}
	sort.Strings(names)
	var lines []string
	for _, name := range names {
		mf := mfs[name]
		typ := strings.ToLower(mf.GetType().String())
		lines = lines[:0]
		for _, m := range mf.GetMetric() {
			lines = appendDumpLines(lines, name, typ, m)
		}
		sort.Strings(lines)
		for _, l := range lines {
			if _, err := io.WriteString(w, l); err != nil {
				return fmt.Errorf("write dump: %w", err)
			}
		}
	}
	return nil
}

func appendDumpLines(lines []string, name, typ string, m *dto.Metric) []string {
	labels := make([][2]string, 0, len(m.GetLabel())+1)
	for _, l := range m.GetLabel() {
		labels = append(labels, [2]string{l.GetName(), l.GetValue()})
	}
	line := func(series string, extra [][2]string, v float64) string {
		all := append(append([][2]string{}, labels...), extra...)
		sort.Slice(all, func(i, j int) bool { return all[i][0] < all[j][0] })
		var b strings.Builder
		b.WriteString(name + " " + typ + " " + series)
		if len(all) > 0 {
			b.WriteByte('{')
			for i, l := range all {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l[0] + "=" + strconv.Quote(l[1]))
			}
			b.WriteByte('}')
		}
		b.WriteString(" " + formatValue(v) + "\n")
		return b.String()
	}
	switch {
	case m.Histogram != nil:
		h := m.GetHistogram()
		for _, bk := range h.GetBucket() {
			c := float64(bk.GetCumulativeCount())
			if bk.CumulativeCountFloat != nil {
				c = bk.GetCumulativeCountFloat()
			}
			lines = append(lines, line(name+"_bucket", [][2]string{{"le", formatValue(bk.GetUpperBound())}}, c))
		}
		c := float64(h.GetSampleCount())
		if h.SampleCountFloat != nil {
			c = h.GetSampleCountFloat()
		}
		lines = append(lines, line(name+"_sum", nil, h.GetSampleSum()), line(name+"_count", nil, c))
	case m.Summary != nil:
		s := m.GetSummary()
		for _, q := range s.GetQuantile() {
			lines = append(lines, line(name, [][2]string{{"quantile", formatValue(q.GetQuantile())}}, q.GetValue()))
		}
		lines = append(lines, line(name+"_sum", nil, s.GetSampleSum()), line(name+"_count", nil, float64(s.GetSampleCount())))
	default:
		lines = append(lines, line(name, nil, metricValue(m)))
	}
	return lines
}

// formatValue writes a sample value: NaN and ±Inf as the text format
// spells them, integers in full, others in the shortest exact form.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64) // integers in full, as people read them
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
