package metrics

import (
	"bytes"
	"errors"
	"fmt"

	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError reports exposition text that is not valid Prometheus text
// format, with the 1-based line it was found on.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// errFallback says the exposition uses syntax the fast path does not mirror
// (quoted UTF-8 metric or label names, a watched name declared a histogram
// or summary); the caller parses that scrape with expfmt instead. KumoMTA
// never writes either.
var errFallback = errors.New("exposition needs the reference parser")

// sample is one sample line of a watched family, as the fast path reports
// it. Slices point into the scanned body or the scanner's scratch space and
// are valid only during the visit.
type sample struct {
	fam    family
	line   int
	key    []byte // series text as written: name and label block
	labels []labelPair
	value  float64
}

type labelPair struct {
	name, value []byte
	off, n      int // value position in scratch when it had escapes
	escaped     bool
}

// label returns the decoded value of the named label, or nil.
func (s *sample) label(name string) []byte {
	for i := range s.labels {
		if string(s.labels[i].name) == name {
			return s.labels[i].value
		}
	}
	return nil
}

type famState struct{ typed, helped bool }

// scanner is the fast path: a line scanner over a whole exposition that
// reports the samples of watched families and mirrors expfmt's reading of
// those lines exactly, errors included. Lines of other families are skipped
// after their name. A scanner is reused between scrapes and allocates
// nothing once its label and scratch buffers have grown.
type scanner struct {
	b       []byte
	line    int
	state   [numFamilies]famState
	labels  []labelPair
	scratch []byte
	s       sample
	// samples counts the sample lines of the last scan, of every family.
	samples int
	// lastName and lastFam are the metric name of the last sample line
	// looked up and its family.
	lastName []byte
	lastFam  family
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isLabelStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isLabelCont(c byte) bool { return isLabelStart(c) || c >= '0' && c <= '9' }

func isNameStart(c byte) bool { return isLabelStart(c) || c == ':' }

func isNameCont(c byte) bool { return isLabelCont(c) || c == ':' }

func skipBlank(b []byte, i int) int {
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	return i
}

func (sc *scanner) errorf(format string, args ...any) error {
	return &ParseError{Line: sc.line, Msg: fmt.Sprintf(format, args...)}
}

func (sc *scanner) eof() error {
	return &ParseError{Line: sc.line, Msg: "unexpected end of input stream"}
}

// scan reads the exposition b and calls visit for every sample of a watched
// family, in order.
func (sc *scanner) scan(b []byte, visit func(*sample)) error {
	sc.begin()
	return sc.chunk(b, visit)
}

// begin prepares the scanner for a new exposition read with chunk.
func (sc *scanner) begin() {
	sc.line, sc.samples = 0, 0
	sc.state = [numFamilies]famState{}
}

// chunk reads the next part of an exposition begun with begin. Every line
// of b must be complete (end with a newline) except in the last part: a
// line cut between two parts would read as one ending early. Line numbers
// and the families' HELP and TYPE state carry over from part to part.
func (sc *scanner) chunk(b []byte, visit func(*sample)) error {
	sc.b = b
	i := 0
	for i < len(b) {
		sc.line++
		i = skipBlank(b, i)
		if i >= len(b) {
			return nil
		}
		var err error
		switch b[i] {
		case '\n':
			i++
			continue
		case '#':
			i, err = sc.comment(i + 1)
		case '{', '"':
			return errFallback
		default:
			i, err = sc.sampleLine(i, visit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// skipLine returns the position after the newline that ends the line
// containing i. Every unterminated non-blank line is an error in expfmt.
func (sc *scanner) skipLine(i int) (int, error) {
	e := bytes.IndexByte(sc.b[i:], '\n')
	if e < 0 {
		return 0, sc.eof()
	}
	return i + e + 1, nil
}

// comment reads a comment line from just after its '#'.
func (sc *scanner) comment(i int) (int, error) {
	b := sc.b
	if i = skipBlank(b, i); i >= len(b) {
		return 0, sc.eof()
	}
	if b[i] == '\n' {
		return i + 1, nil
	}
	k := i
	for k < len(b) && !isBlank(b[k]) && b[k] != '\n' {
		k++
	}
	if k >= len(b) {
		return 0, sc.eof()
	}
	if b[k] == '\n' {
		return k + 1, nil
	}
	help, typ := string(b[i:k]) == "HELP", string(b[i:k]) == "TYPE"
	if !help && !typ {
		return sc.skipLine(k)
	}
	if i = skipBlank(b, k); i >= len(b) {
		return 0, sc.eof()
	}
	start := i // a quoted name ('"') falls back below
	if isNameStart(b[i]) {
		for i < len(b) && isNameCont(b[i]) {
			i++
		}
	}
	if i >= len(b) {
		return 0, sc.eof()
	}
	switch {
	case b[i] == '"':
		return 0, errFallback
	case b[i] == '\n':
		return i + 1, nil
	case !isBlank(b[i]):
		return 0, sc.errorf("invalid metric name in comment")
	}
	name := b[start:i]
	fam := familyByName[string(name)]
	base := fam == famNone && baseNames[string(name)]
	if fam == famNone && !base {
		return sc.skipLine(i)
	}
	if i = skipBlank(b, i); i >= len(b) {
		return 0, sc.eof()
	}
	if b[i] == '\n' {
		return i + 1, nil
	}
	if help {
		if base {
			return sc.skipLine(i)
		}
		return sc.help(fam, i)
	}
	return sc.typeLine(fam, i)
}

// help reads the docstring of a watched family's HELP line.
func (sc *scanner) help(fam family, i int) (int, error) {
	b := sc.b
	if sc.state[fam].helped {
		return 0, sc.errorf("second HELP line for metric name %q", fam)
	}
	for escaped := false; i < len(b); i++ {
		c := b[i]
		if escaped {
			if c != '\\' && c != 'n' && c != '"' {
				return 0, sc.errorf("invalid escape sequence '\\%c'", c)
			}
			escaped = false
			continue
		}
		if c == '\n' {
			sc.state[fam].helped = true
			return i + 1, nil
		}
		escaped = c == '\\'
	}
	return 0, sc.eof()
}

// typeLine reads the type of a TYPE line naming a watched family (fam) or
// the base of one (fam == famNone).
func (sc *scanner) typeLine(fam family, i int) (int, error) {
	b := sc.b
	if fam != famNone && sc.state[fam].typed {
		return 0, sc.errorf("second TYPE line for metric name %q, or TYPE reported after samples", fam)
	}
	e := bytes.IndexByte(b[i:], '\n')
	if e < 0 {
		return 0, sc.eof()
	}
	switch metricType(b[i : i+e]) {
	case "COUNTER", "GAUGE", "UNTYPED":
	case "SUMMARY", "HISTOGRAM", "GAUGE_HISTOGRAM", "GAUGEHISTOGRAM":
		return 0, errFallback
	default:
		if fam != famNone {
			return 0, sc.errorf("unknown metric type %q", b[i:i+e])
		}
	}
	if fam != famNone {
		sc.state[fam].typed = true
	}
	return i + e + 1, nil
}

// metricType upper-cases a TYPE token the way expfmt does: backslashes are
// dropped and case is folded with strings.ToUpper. The common ASCII case
// does not allocate.
func metricType(tok []byte) string {
	var buf [24]byte
	n := 0
	for _, c := range tok {
		if c >= utf8.RuneSelf || n == len(buf) {
			return strings.ToUpper(strings.ReplaceAll(string(tok), `\`, ""))
		}
		if c == '\\' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	switch s := string(buf[:n]); s {
	case "COUNTER", "GAUGE", "UNTYPED", "SUMMARY", "HISTOGRAM", "GAUGE_HISTOGRAM", "GAUGEHISTOGRAM":
		return s
	}
	return ""
}

// sampleLine reads a sample line starting at its first byte.
func (sc *scanner) sampleLine(i int, visit func(*sample)) (int, error) {
	b := sc.b
	start := i
	if !isNameStart(b[i]) {
		// expfmt fails here too; reporting it costs nothing and turns an
		// HTML error page served with 200 into a clear parse error.
		return 0, sc.errorf("invalid metric name")
	}
	sc.samples++
	for i < len(b) && isNameCont(b[i]) {
		i++
	}
	if i < len(b) && b[i] == '"' {
		return 0, errFallback
	}
	fam := sc.family(b[start:i])
	if fam == famNone {
		return sc.skipLine(i)
	}
	return sc.watched(fam, start, i, visit)
}

// family returns the watched family a sample line's metric name belongs
// to, or famNone. An exposition groups a family's lines together, so the
// previous line's name is compared first, which spares most map lookups.
func (sc *scanner) family(name []byte) family {
	if bytes.Equal(name, sc.lastName) {
		return sc.lastFam
	}
	fam := familyByName[string(name)]
	sc.lastName, sc.lastFam = append(sc.lastName[:0], name...), fam
	return fam
}

// watched reads the rest of a watched family's sample line: labels, value
// and optional timestamp, from i just after the metric name.
func (sc *scanner) watched(fam family, start, i int, visit func(*sample)) (int, error) {
	b := sc.b
	sc.state[fam].typed = true // expfmt makes the family untyped if it has no TYPE yet
	keyEnd := i
	if i = skipBlank(b, i); i >= len(b) {
		return 0, sc.eof()
	}
	sc.labels, sc.scratch = sc.labels[:0], sc.scratch[:0]
	if b[i] == '{' {
		var err error
		if i, err = sc.labelSet(fam, i); err != nil {
			return 0, err
		}
		keyEnd = i
		if i = skipBlank(b, i); i >= len(b) {
			return 0, sc.eof()
		}
	}
	vs := i
	for i < len(b) && !isBlank(b[i]) && b[i] != '\n' {
		i++
	}
	if i >= len(b) {
		return 0, sc.eof()
	}
	v, ok := parseValue(b[vs:i])
	if !ok {
		return 0, sc.errorf("expected float as value, got %q", b[vs:i])
	}
	if b[i] != '\n' {
		if i = skipBlank(b, i); i >= len(b) {
			return 0, sc.eof()
		}
		ts := i
		for i < len(b) && !isBlank(b[i]) && b[i] != '\n' {
			i++
		}
		if i >= len(b) {
			return 0, sc.eof()
		}
		if _, err := strconv.ParseInt(string(b[ts:i]), 10, 64); err != nil {
			return 0, sc.errorf("expected integer as timestamp, got %q", b[ts:i])
		}
		if b[i] != '\n' {
			return 0, sc.errorf("spurious string after timestamp")
		}
	}
	for j := range sc.labels {
		if l := &sc.labels[j]; l.escaped {
			l.value = sc.scratch[l.off : l.off+l.n]
		}
	}
	sc.s = sample{fam: fam, line: sc.line, key: b[start:keyEnd], labels: sc.labels, value: v}
	visit(&sc.s)
	return i + 1, nil
}

// labelSet reads a label block from its '{' and returns the position after
// its '}'.
func (sc *scanner) labelSet(fam family, i int) (int, error) {
	b := sc.b
	for {
		if i = skipBlank(b, i+1); i >= len(b) { // past '{' or ','
			return 0, sc.eof()
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		ns := i
		if !isLabelStart(b[i]) {
			if b[i] == '"' {
				return 0, errFallback
			}
			return 0, sc.errorf("invalid label name for metric %q", fam)
		}
		for i < len(b) && isLabelCont(b[i]) {
			i++
		}
		if i >= len(b) {
			return 0, sc.eof()
		}
		if b[i] == '"' {
			return 0, errFallback
		}
		name := b[ns:i]
		if i = skipBlank(b, i); i >= len(b) {
			return 0, sc.eof()
		}
		if b[i] != '=' {
			return 0, sc.errorf("expected '=' after label name, found %q", b[i])
		}
		if string(name) == "__name__" {
			return 0, sc.errorf("label name %q is reserved", name)
		}
		for j := range sc.labels {
			if bytes.Equal(sc.labels[j].name, name) {
				return 0, sc.errorf("duplicate label names for metric %q", fam)
			}
		}
		if i = skipBlank(b, i+1); i >= len(b) {
			return 0, sc.eof()
		}
		if b[i] != '"' {
			return 0, sc.errorf("expected '\"' at start of label value, found %q", b[i])
		}
		var err error
		if i, err = sc.labelValue(name, i+1); err != nil {
			return 0, err
		}
		if i = skipBlank(b, i); i >= len(b) {
			return 0, sc.eof()
		}
		switch b[i] {
		case ',':
		case '}':
			return i + 1, nil
		default:
			return 0, sc.errorf("unexpected end of label value")
		}
	}
}

// labelValue reads a quoted label value from just after its opening quote,
// appends the label and returns the position after the closing quote.
func (sc *scanner) labelValue(name []byte, i int) (int, error) {
	b := sc.b
	vs := i
	// Most values have no escape: find the closing quote at memory speed
	// and check what lies before it.
	if q := bytes.IndexByte(b[i:], '"'); q >= 0 {
		v := b[i : i+q]
		if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '\n') < 0 {
			if !utf8.Valid(v) {
				return 0, sc.errorf("invalid label value")
			}
			sc.labels = append(sc.labels, labelPair{name: name, value: v})
			return i + q + 1, nil
		}
	}
	escaped := false
	for {
		if i >= len(b) {
			return 0, sc.eof()
		}
		c := b[i]
		if c == '"' {
			break
		}
		if c == '\n' {
			return 0, sc.errorf("label value contains unescaped new-line")
		}
		if c == '\\' {
			escaped = true
			if i++; i >= len(b) {
				return 0, sc.eof()
			}
			if c := b[i]; c != '"' && c != '\\' && c != 'n' {
				return 0, sc.errorf("invalid escape sequence '\\%c'", c)
			}
		}
		i++
	}
	l := labelPair{name: name, value: b[vs:i]}
	if escaped {
		l.off, l.escaped = len(sc.scratch), true
		for j := vs; j < i; j++ {
			c := b[j]
			if c == '\\' {
				j++
				if c = b[j]; c == 'n' {
					c = '\n'
				}
			}
			sc.scratch = append(sc.scratch, c)
		}
		l.n = len(sc.scratch) - l.off
		l.value = nil
		if !utf8.Valid(sc.scratch[l.off:]) {
			return 0, sc.errorf("invalid label value")
		}
	} else if !utf8.Valid(l.value) {
		return 0, sc.errorf("invalid label value")
	}
	sc.labels = append(sc.labels, l)
	return i + 1, nil
}

// parseValue parses a sample value exactly as expfmt does (strconv
// semantics, no hex exponents or underscores), with a shortcut for the
// plain integers most samples are.
func parseValue(b []byte) (float64, bool) {
	if n := len(b); n > 0 && n <= 15 {
		var x int64
		for _, c := range b {
			if c < '0' || c > '9' {
				goto general
			}
			x = x*10 + int64(c-'0')
		}
		return float64(x), true
	}
general:
	if bytes.ContainsAny(b, "pP_") {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}
