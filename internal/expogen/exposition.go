package expogen

import (
	"math"
	"strconv"
	"strings"
)

// exposition appends Prometheus text format lines to a byte slice.
type exposition struct {
	b []byte
}

// family writes the HELP and TYPE lines that open a metric family.
func (e *exposition) family(name, typ, help string) {
	e.b = append(e.b, "# HELP "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = appendEscaped(e.b, help, false) // HELP escapes no quote
	e.b = append(e.b, "\n# TYPE "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = append(e.b, typ...)
	e.b = append(e.b, '\n')
}

// sample writes one sample line; labels alternate name, value.
func (e *exposition) sample(name string, value float64, labels ...string) {
	e.b = append(e.b, name...)
	if len(labels) > 0 {
		e.b = append(e.b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, labels[i]...)
			e.b = append(e.b, '=', '"')
			e.b = appendEscaped(e.b, labels[i+1], true)
			e.b = append(e.b, '"')
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ' ')
	e.b = appendValue(e.b, value)
	e.b = append(e.b, '\n')
}

// histogram writes the buckets, sum and count of one histogram series whose
// observations total count with the given sum; bucket populations follow a
// fixed latency-like shape.
func (e *exposition) histogram(name string, count uint64, sum float64, labels ...string) {
	bounds := [...]string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}
	shares := [...]float64{0.05, 0.15, 0.35, 0.55, 0.7, 0.82, 0.9, 0.95, 0.98, 0.99, 0.995, 1}
	withLE := append(append(make([]string, 0, len(labels)+2), labels...), "le", "")
	for i, le := range bounds {
		withLE[len(withLE)-1] = le
		e.sample(name+"_bucket", math.Floor(float64(count)*shares[i]), withLE...)
	}
	e.sample(name+"_sum", sum, labels...)
	e.sample(name+"_count", float64(count), labels...)
}

// appendValue formats a sample value the way Prometheus clients do.
func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendEscaped appends v with backslash and line feed escaped, and double
// quote too when quote is set.
func appendEscaped(b []byte, v string, quote bool) []byte {
	if !strings.ContainsAny(v, "\\\"\n") {
		return append(b, v...)
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, c)
		}
	}
	return b
}
