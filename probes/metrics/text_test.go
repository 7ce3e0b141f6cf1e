package metrics

import (
	"bytes"
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
	checkGolden(t, "kumomta-metrics.text", out.Bytes())
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
