package metrics

import (
	"bytes"
	"testing"

	"github.com/kumoup/kumoup/internal/standin"
)

// sampleLineCount counts the lines of an exposition that are neither blank
// nor comments: what an operator reading it calls its samples.
func sampleLineCount(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] != '#' {
			n++
		}
	}
	return n
}

// The UI shows Summary.Samples as "N samples" of the scrape: every sample
// of the exposition, not only those the summary reads.
func TestSummarySamplesCountsEverySampleOfTheStandInsExposition(t *testing.T) {
	k, err := standin.Start(t.Context(), standin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	sum, err := refresh(t, Config{URL: k.URL() + "/metrics"})
	if err != nil {
		t.Fatal(err)
	}
	want := sampleLineCount(standin.FixtureMetrics())
	if want != 108 || sum.Samples != want {
		t.Errorf("Samples = %d, want %d, the sample lines of the idle fixture (108)", sum.Samples, want)
	}
	if !sum.Memory.Known {
		t.Error("memory unknown: the fixture was not read")
	}
}

func TestSummarySamplesCountsTheSameThroughExpfmt(t *testing.T) {
	// A quoted name sends the scrape to expfmt; its histograms count their
	// buckets, _sum and _count lines, as in the text.
	body := append(fixture(t), "{\"ready_count\",service=\"c:d\"} 5\n"...)
	sum, err := NewSummarizer().Update(t0, body)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Reference || sum.Samples != sampleLineCount(body) {
		t.Errorf("expfmt: Reference %v, Samples = %d, want %d", sum.Reference, sum.Samples, sampleLineCount(body))
	}
}
