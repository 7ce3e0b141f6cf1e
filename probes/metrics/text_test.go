package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Two scrapes of the idle fixture, 2 s apart: every block of the text,
// rates included, compared with testdata/kumomta-metrics.text.
func TestWriteTextOfTheIdleFixtureMatchesGolden(t *testing.T) {
	z := NewSummarizer()
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	mustUpdate(t, z, at, string(fixture(t)))
	s := mustUpdate(t, z, at.Add(2*time.Second), string(fixture(t)))
	var out bytes.Buffer
	if err := WriteText(&out, s, "https://mta.example.com/metrics"); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "kumomta-metrics.text")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./probes/metrics -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("text differs from %s (run with -update if the change is intended):\n%s", golden, out.String())
	}
}

func TestWriteTextShowsUnknownValuesAsADash(t *testing.T) {
	var out bytes.Buffer
	if err := WriteText(&out, Summary{}, "saved.txt"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"saved.txt  0 samples of 0 B, rates need a second scrape", "delivered        -", "thread pools busy  -"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
}
