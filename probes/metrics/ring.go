package metrics

// HistoryLen is how many past values a Ring keeps: two minutes of scrapes
// at the dashboard's 2 s interval.
const HistoryLen = 60

// Ring is a fixed-size history of a value, one entry per scrape, for
// sparklines. The zero value is empty and ready to use; a Ring is a plain
// value, so copying a Summary copies its histories.
type Ring struct {
	vals [HistoryLen]float64
	next int // where the next value goes
	n    int // how many values are held
}

// Push records v as the newest value, dropping the oldest when full.
func (r *Ring) Push(v float64) {
	r.vals[r.next] = v
	r.next = (r.next + 1) % HistoryLen
	if r.n < HistoryLen {
		r.n++
	}
}

// Len returns how many values the ring holds.
func (r *Ring) Len() int { return r.n }

// Last returns the newest value, if any.
func (r *Ring) Last() (float64, bool) {
	if r.n == 0 {
		return 0, false
	}
	return r.vals[(r.next+HistoryLen-1)%HistoryLen], true
}

// AppendTo appends the values oldest first to dst and returns it.
func (r *Ring) AppendTo(dst []float64) []float64 {
	start := (r.next - r.n + HistoryLen) % HistoryLen
	for i := range r.n {
		dst = append(dst, r.vals[(start+i)%HistoryLen])
	}
	return dst
}

// Values returns the values oldest first.
func (r *Ring) Values() []float64 { return r.AppendTo(make([]float64, 0, r.n)) }
