package metrics

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestDumpOfRealFixtureMatchesGolden(t *testing.T) {
	var out bytes.Buffer
	if err := Dump(&out, bytes.NewReader(fixture(t))); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "kumomta-metrics.dump", out.Bytes())
}

// checkGolden compares got with testdata/name, rewriting the file first
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./probes/metrics -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n%s", golden, got)
	}
}

func TestDumpSortsAndSpellsOutEverySample(t *testing.T) {
	in := "# TYPE b counter\nb{z=\"1\",a=\"q\\\"x\"} 2\nb{a=\"a\"} NaN\n# TYPE a histogram\na_bucket{le=\"1\"} 1\na_bucket{le=\"+Inf\"} 3\na_sum 4.5\na_count 3\n"
	var out bytes.Buffer
	if err := Dump(&out, strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := `a histogram a_bucket{le="+Inf"} 3
a histogram a_bucket{le="1"} 1
a histogram a_count 3
a histogram a_sum 4.5
b counter b{a="a"} NaN
b counter b{a="q\"x",z="1"} 2
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestDumpReportsMalformedLine(t *testing.T) {
	err := Dump(&bytes.Buffer{}, strings.NewReader("memory_usage 1\nmemory_usage{x=} 2\n"))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("got %v, want a parse error on line 2", err)
	}
}
