package metrics

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
)

// edgeCases are expositions that exercise the text format's corners; each
// runs through the differential property and states what the fast path
// must do on its own.
var edgeCases = []struct {
	name    string
	in      string
	errLine int     // 0: must succeed; -1: must fall back to expfmt
	ready   float64 // when succeeding with one ready_count sample: its value
}{
	{"plain", "ready_count{service=\"a:b\"} 12\n", 0, 12},
	{"help and type first", "# HELP ready_count number of messages\n# TYPE ready_count gauge\nready_count{service=\"a:b\"} 3\n", 0, 3},
	{"comments and blank lines", "\n# just a comment\n\n   \n\t# TYPE ready_count gauge\nready_count{service=\"q\"} 4\n\n", 0, 4},
	{"escaped quote backslash newline", "ready_count{service=\"a\\\"b\\\\c\\nd\"} 5\n", 0, 5},
	{"timestamp", "ready_count{service=\"q\"} 6 1700000000000\n", 0, 6},
	{"negative timestamp", "ready_count{service=\"q\"} 6 -17\n", 0, 6},
	{"NaN", "ready_count{service=\"q\"} NaN\n", 0, math.NaN()},
	{"+Inf", "ready_count{service=\"q\"} +Inf\n", 0, math.Inf(1)},
	{"-Inf", "ready_count{service=\"q\"} -Inf\n", 0, math.Inf(-1)},
	{"exponent", "ready_count{service=\"q\"} 1.5e+06\n", 0, 1.5e6},
	{"negative exponent", "ready_count{service=\"q\"} 2.5E-3\n", 0, 2.5e-3},
	{"long integer", "ready_count{service=\"q\"} 12345678901234567890\n", 0, 12345678901234567890},
	{"blanks around labels", "ready_count \t{ service = \"q\" , } \t7\n", 0, 7},
	{"empty label set", "ready_count{} 8\n", 0, 8},
	{"no labels", "ready_count 9\n", 0, 9},
	{"histogram elsewhere", "# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.3\nlat_count 2\nready_count{service=\"q\"} 10\n", 0, 10},
	{"malformed unwatched line is skipped", "tokio_x{a=b} 1\nready_count 11\n", 0, 11},
	{"html page", "<!DOCTYPE html>\n<html><body>Welcome to nginx!</body></html>\n", 1, 0},
	{"line starting with a digit", "ready_count 1\n9lives 2\n", 2, 0},
	{"crlf line", "ready_count 1\r\n", 1, 0},
	{"unterminated last line", "ready_count 1", 1, 0},
	{"unterminated unwatched last line", "ready_count 1\ntokio 2", 2, 0},
	{"bad value", "# TYPE ready_count gauge\nready_count{service=\"q\"} 1x\n", 2, 0},
	{"hex float exponent", "ready_count 0x1p-2\n", 1, 0},
	{"underscore in value", "ready_count 1_000\n", 1, 0},
	{"out of range value", "ready_count 1e400\n", 1, 0},
	{"trailing blank after value", "ready_count 1 \n", 1, 0},
	{"float timestamp", "ready_count 1 1.5\n", 1, 0},
	{"spurious text after timestamp", "ready_count 1 15 x\n", 1, 0},
	{"unescaped newline in label value", "ready_count{service=\"a\nb\"} 1\n", 1, 0},
	{"invalid escape", "ready_count{service=\"a\\tb\"} 1\n", 1, 0},
	{"invalid utf-8 label value", "ready_count{service=\"\xff\"} 1\n", 1, 0},
	{"missing equals", "\n\nready_count{service \"q\"} 1\n", 3, 0},
	{"duplicate label", "ready_count{a=\"1\",a=\"2\"} 1\n", 1, 0},
	{"reserved label", "ready_count{__name__=\"x\"} 1\n", 1, 0},
	{"label name starting with digit", "ready_count{1a=\"x\"} 1\n", 1, 0},
	{"unquoted label value", "ready_count{a=x} 1\n", 1, 0},
	{"junk after label value", "ready_count{a=\"x\" b=\"y\"} 1\n", 1, 0},
	{"second TYPE", "# TYPE ready_count gauge\n# TYPE ready_count gauge\n", 2, 0},
	{"TYPE after samples", "ready_count 1\n# TYPE ready_count gauge\n", 2, 0},
	{"second HELP", "# HELP ready_count a\n# HELP ready_count b\n", 2, 0},
	{"unknown type", "# TYPE ready_count meter\n", 1, 0},
	{"type case and backslash tolerated", "# TYPE ready_count Gau\\ge\nready_count 2\n", 0, 2},
	{"invalid HELP escape", "# HELP ready_count a\\tb\n", 1, 0},
	{"HELP with no text sets no help", "# HELP ready_count \n# HELP ready_count text\nready_count 3\n", 0, 3},
	{"quoted metric name", "{\"ready_count\",service=\"q\"} 1\n", -1, 0},
	{"quoted label name", "ready_count{\"service\"=\"q\"} 1\n", -1, 0},
	{"quoted metric name in HELP", "# HELP \"ready_count\" text\n", -1, 0},
	{"quoted metric name in TYPE after a name", "# TYPE ready\"_count\" gauge\n", -1, 0},
	{"watched name declared histogram", "# TYPE ready_count histogram\nready_count_count 1\n", -1, 0},
	{"base of watched name declared summary", "# TYPE message summary\nmessage_count 4\n", -1, 0},
}

func TestFastPathHandlesTextFormatCorners(t *testing.T) {
	for _, tc := range edgeCases {
		t.Run(tc.name, func(t *testing.T) {
			r := checkDifferential(t, []byte(tc.in))
			var pe *ParseError
			switch {
			case tc.errLine == -1:
				if !errors.Is(r.err, errFallback) {
					t.Fatalf("got %v, want a fallback to expfmt", r.err)
				}
			case tc.errLine > 0:
				if !errors.As(r.err, &pe) || pe.Line != tc.errLine {
					t.Fatalf("got %v, want a parse error on line %d", r.err, tc.errLine)
				}
			default:
				if r.err != nil {
					t.Fatalf("got %v, want success", r.err)
				}
				got := r.samples[famReady]
				if len(got) != 1 || !sameValue(got[0].value, tc.ready) && !(math.IsNaN(tc.ready) && math.IsNaN(got[0].value)) {
					t.Fatalf("got ready_count samples %v, want one of value %v", got, tc.ready)
				}
			}
		})
	}
}

// FuzzFastPathMatchesExpfmt holds the fast path to the differential
// property (see differential_test.go) on arbitrary input. Run it with
//
//	go test ./probes/metrics -run '^$' -fuzz FuzzFastPathMatchesExpfmt -fuzztime 60s
func FuzzFastPathMatchesExpfmt(f *testing.F) {
	for _, tc := range edgeCases {
		f.Add([]byte(tc.in))
	}
	f.Add(fixture(f))
	f.Add(expogen.NewSim(1).Next(time.Unix(1_700_000_000, 0)))
	f.Add(expogen.Generate(300, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDifferential(t, b)
	})
}
