package metrics

import (
	"bytes"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kumoup/kumoup/internal/expogen"
)

// The differential property, checked by TestFastPathMatchesExpfmt and
// FuzzFastPathMatchesExpfmt on every input:
//
//  1. Values: when neither parser fails, the fast path reports, family by
//     family and in line order, exactly the samples expfmt parses for every
//     watched family: same label names and values in the same order, and
//     bit-identical values (NaN included).
//  2. No false alarms: when the fast path fails at line N, expfmt fails at a
//     line M <= N, and if M < N, line M is not a watched line.
//  3. No missed errors on watched lines: when expfmt fails at line M and the
//     fast path got past M (succeeded, failed later, or fell back later),
//     line M is not a watched line.
//  4. Fallback: the fast path may decline (errFallback) at a line using
//     syntax it leaves to expfmt (quoted names, a watched name declared a
//     histogram or summary); the summary then uses expfmt's parse, which is
//     the reference itself.
//
// A watched line is a sample line whose metric name is a watched family's,
// or a HELP or TYPE line naming one (see watchedLine).

type reported struct {
	labels [][2]string
	value  float64
}

type fastResult struct {
	samples map[family][]reported
	err     error
	line    int // line where the scan stopped
}

func runFast(b []byte) fastResult {
	var sc scanner
	r := fastResult{samples: map[family][]reported{}}
	r.err = sc.scan(b, func(s *sample) {
		var ls [][2]string
		for _, l := range s.labels {
			ls = append(ls, [2]string{string(l.name), string(l.value)})
		}
		r.samples[s.fam] = append(r.samples[s.fam], reported{ls, s.value})
	})
	r.line = sc.line
	return r
}

// watchedLine says whether a physical line is a sample, HELP or TYPE line
// of a watched family, judged from its text alone.
func watchedLine(l []byte) bool {
	l = bytes.TrimLeft(l, " \t")
	if len(l) > 0 && l[0] == '#' {
		l = bytes.TrimLeft(l[1:], " \t")
		if !bytes.HasPrefix(l, []byte("HELP")) && !bytes.HasPrefix(l, []byte("TYPE")) {
			return false
		}
		if l = l[4:]; len(l) == 0 || !isBlank(l[0]) {
			return false
		}
		l = bytes.TrimLeft(l, " \t")
	}
	for f := famNone + 1; f < numFamilies; f++ {
		name := familyNames[f]
		if bytes.HasPrefix(l, []byte(name)) && (len(l) == len(name) || !isNameCont(l[len(name)]) && l[len(name)] != '"') {
			return true
		}
	}
	return false
}

func lineOf(b []byte, n int) []byte {
	lines := bytes.Split(b, []byte("\n"))
	if n < 1 || n > len(lines) {
		return nil
	}
	return lines[n-1]
}

func sameValue(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b)
}

// checkDifferential asserts the differential property on one input and
// returns the fast path's result.
func checkDifferential(t testing.TB, b []byte) fastResult {
	t.Helper()
	fast := runFast(b)
	mfs, refErr := parseReference(bytes.NewReader(b))
	var refPE *ParseError
	if refErr != nil && !errors.As(refErr, &refPE) {
		t.Fatalf("expfmt failed without a line number: %v", refErr)
	}
	var fastPE *ParseError
	switch {
	case errors.As(fast.err, &fastPE):
		if refErr == nil {
			t.Fatalf("fast path rejects what expfmt accepts: %v", fast.err)
		}
		if refPE.Line > fastPE.Line {
			t.Fatalf("fast path fails at line %d (%v) before expfmt's line %d (%v)", fastPE.Line, fast.err, refPE.Line, refErr)
		}
		if refPE.Line < fastPE.Line && watchedLine(lineOf(b, refPE.Line)) {
			t.Fatalf("fast path missed expfmt's error on watched line %d %q: %v", refPE.Line, lineOf(b, refPE.Line), refErr)
		}
	case errors.Is(fast.err, errFallback):
		if refErr != nil && refPE.Line < fast.line && watchedLine(lineOf(b, refPE.Line)) {
			t.Fatalf("fast path missed expfmt's error on watched line %d %q: %v", refPE.Line, lineOf(b, refPE.Line), refErr)
		}
	case fast.err != nil:
		t.Fatalf("fast path failed with an unexpected error type: %v", fast.err)
	case refErr != nil:
		if watchedLine(lineOf(b, refPE.Line)) {
			t.Fatalf("fast path missed expfmt's error on watched line %d %q: %v", refPE.Line, lineOf(b, refPE.Line), refErr)
		}
	default:
		compareSamples(t, mfs, fast)
	}
	return fast
}

func compareSamples(t testing.TB, mfs map[string]*dto.MetricFamily, fast fastResult) {
	t.Helper()
	for f := famNone + 1; f < numFamilies; f++ {
		mf := mfs[familyNames[f]]
		var want []reported
		if mf != nil {
			switch mf.GetType() {
			case dto.MetricType_COUNTER, dto.MetricType_GAUGE, dto.MetricType_UNTYPED:
			default:
				t.Fatalf("%s is a %v in expfmt's parse but the fast path did not fall back", f, mf.GetType())
			}
			for _, m := range mf.GetMetric() {
				var ls [][2]string
				for _, l := range m.GetLabel() {
					ls = append(ls, [2]string{l.GetName(), l.GetValue()})
				}
				want = append(want, reported{ls, metricValue(m)})
			}
		}
		got := fast.samples[f]
		if len(got) != len(want) {
			t.Fatalf("%s: fast path reports %d samples, expfmt %d", f, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if !sameValue(g.value, w.value) || len(g.labels) != len(w.labels) {
				t.Fatalf("%s sample %d: fast %v %v, expfmt %v %v", f, i, g.labels, g.value, w.labels, w.value)
			}
			for j := range w.labels {
				if g.labels[j] != w.labels[j] {
					t.Fatalf("%s sample %d label %d: fast %q, expfmt %q", f, i, j, g.labels[j], w.labels[j])
				}
			}
		}
	}
}

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/kumomta-metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFastPathMatchesExpfmtOnRealFixture(t *testing.T) {
	r := checkDifferential(t, fixture(t))
	if r.err != nil {
		t.Fatalf("fixture: %v", r.err)
	}
	if n := len(r.samples[famDiskFree]) + len(r.samples[famPoolSize]) + len(r.samples[famMemory]); n != 6 {
		t.Errorf("fixture: got %d disk, pool and memory samples, want 6", n)
	}
}

func TestFastPathMatchesExpfmtOnGeneratedExpositions(t *testing.T) {
	sizes := []int{300, 5000, 50_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		r := checkDifferential(t, expogen.Generate(n, uint64(n)))
		if r.err != nil {
			t.Fatalf("Generate(%d): %v", n, r.err)
		}
		if len(r.samples[famReady]) == 0 {
			t.Fatalf("Generate(%d): no ready_count samples reported", n)
		}
	}
}

func TestFastPathMatchesExpfmtOnSimulatedScrapes(t *testing.T) {
	sim := expogen.NewSim(11)
	at := time.Unix(1_700_000_000, 0)
	for i := range 40 {
		if r := checkDifferential(t, sim.Next(at.Add(time.Duration(i)*2*time.Second))); r.err != nil {
			t.Fatalf("scrape %d: %v", i+1, r.err)
		}
	}
}
