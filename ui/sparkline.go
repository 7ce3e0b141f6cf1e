package ui

import "strings"

// sparkBars are the eight heights of a sparkline cell.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last width values, oldest first, scaled from 0 (or
// the smallest value when negative) to the largest. An empty history draws
// nothing; a flat zero history draws the lowest bar.
func sparkline(vals []float64, width int) string {
	if width <= 0 || len(vals) == 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := 0.0, 0.0
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	b.Grow(len(vals) * 3)
	for _, v := range vals {
		i := 0
		if hi > lo {
			i = int((v - lo) / (hi - lo) * float64(len(sparkBars)-1))
			i = max(0, min(i, len(sparkBars)-1))
		}
		b.WriteRune(sparkBars[i])
	}
	return b.String()
}
