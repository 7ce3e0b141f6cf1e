package metrics

import (
	"testing"
	"time"
)

func TestNextIntervalLengthensWhenAScrapeTakesMoreThanAQuarter(t *testing.T) {
	const s = time.Second
	for _, tc := range []struct {
		name            string
		base, cur, took time.Duration
		want            time.Duration
	}{
		{"a quick scrape keeps the interval", 2 * s, 2 * s, 100 * time.Millisecond, 2 * s},
		{"exactly a quarter keeps it", 2 * s, 2 * s, 500 * time.Millisecond, 2 * s},
		{"past a quarter: four times the scrape, in tenths", 2 * s, 2 * s, 610 * time.Millisecond, 2500 * time.Millisecond},
		{"2M series over a slow link", 2 * s, 2 * s, 1300 * time.Millisecond, 5200 * time.Millisecond},
		{"whole seconds past 10s", 2 * s, 2 * s, 2600 * time.Millisecond, 11 * s},
		{"a short interval for tests", 100 * time.Millisecond, 100 * time.Millisecond, 30 * time.Millisecond, 200 * time.Millisecond},
		{"never past the ceiling", 2 * s, 2 * s, 40 * s, MaxAdaptiveInterval},
		{"a lengthened interval holds while scrapes stay between an eighth and a quarter", 2 * s, 5200 * time.Millisecond, 1300 * time.Millisecond, 5200 * time.Millisecond},
		{"fast again: halves", 2 * s, 8 * s, 200 * time.Millisecond, 4 * s},
		{"never below the configured interval", 2 * s, 3 * s, 10 * time.Millisecond, 2 * s},
		{"a configured interval above the ceiling is kept", 2 * time.Minute, 2 * time.Minute, 31 * s, 2 * time.Minute},
		{"no interval in use yet starts from base", 2 * s, 0, 100 * time.Millisecond, 2 * s},
	} {
		if got := NextInterval(tc.base, tc.cur, tc.took); got != tc.want {
			t.Errorf("%s: NextInterval(%v, %v, %v) = %v, want %v", tc.name, tc.base, tc.cur, tc.took, got, tc.want)
		}
	}
}
