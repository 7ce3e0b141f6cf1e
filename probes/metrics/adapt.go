package metrics

import "time"

// MaxAdaptiveInterval is the longest NextInterval stretches the refresh
// interval to.
const MaxAdaptiveInterval = time.Minute

// NextInterval returns the interval to wait before the next scrape, from the
// configured interval base, the interval in use cur, and how long the last
// good scrape took. A scrape that took more than a quarter of cur lengthens
// the interval to four times the scrape (in tenths of a second), up to
// MaxAdaptiveInterval, so scraping takes at most a quarter of the time (of
// the CPU and of kumod's). Once scrapes take less than an eighth of it
// again, it shortens by half at a time, never below base. The dashboard
// says so when the result is not base.
func NextInterval(base, cur, took time.Duration) time.Duration {
	if base <= 0 {
		return cur
	}
	cur = max(cur, base)
	switch {
	case took > cur/4:
		step := 100 * time.Millisecond // whole tenths, and whole seconds past 10s
		if 4*took >= 10*time.Second {
			step = time.Second
		}
		next := (4*took + step - 1).Truncate(step)
		return min(max(next, base), max(MaxAdaptiveInterval, base))
	case took < cur/8 && cur > base:
		return max(cur/2, base)
	}
	return cur
}
