package metrics

import "math"

// maxStoreSeries caps the counter series a store keeps: a kumod's rollup,
// provider, listener and log hook counters are some thousands at most.
const maxStoreSeries = 100_000

// series is the state the store keeps for one counter series between
// scrapes.
type series struct {
	value, prev float64
	gen         uint64 // scrape generation value was read in
	prevGen     uint64 // generation prev was read in
	pass        uint64 // the store's pass value was last read in
}

// store keeps counter series keyed by their raw series text (the metric
// name and label block exactly as kumod wrote them), updated in place: in
// steady state a scrape allocates nothing here.
type store struct {
	m   map[string]*series
	gen uint64 // generation of the scrape being read; the last good one is gen-1
	// pass counts every scrape read, good or not, to tell a series'
	// duplicate line from its first one.
	pass uint64
}

func newStore() *store { return &store{m: make(map[string]*series), gen: 1, pass: 1} }

// increase records a counter's value and returns how much it grew since the
// previous good scrape, by Prometheus's reset rule: a value below the
// previous one means the counter restarted from zero, so the increase is
// the new value. A series absent from the previous scrape (new, or pruned
// by kumod and created again) started from zero since then, so its whole
// value is the increase. It never returns a negative or non-finite number.
//
// A series written twice in one exposition counts once: its first line
// holds, later ones add nothing (Prometheus too keeps the first sample and
// drops the duplicate).
func (st *store) increase(key []byte, v float64) float64 {
	s := st.m[string(key)]
	if s == nil && len(st.m) >= maxStoreSeries {
		return 0 // past the cap: read, not kept
	}
	if s == nil {
		s = &series{}
		st.m[string(key)] = s
	}
	if s.pass == st.pass {
		return 0
	}
	s.pass = st.pass
	if s.gen != st.gen { // first sight in this scrape: shift the previous value
		s.prev, s.prevGen = s.value, s.gen
	}
	s.value, s.gen = v, st.gen
	inc := v
	if s.prevGen == st.gen-1 && s.prevGen != 0 {
		switch {
		case math.IsNaN(s.prev):
			return 0
		case v >= s.prev:
			inc = v - s.prev
		}
	}
	if inc < 0 || math.IsNaN(inc) || math.IsInf(inc, 0) {
		return 0
	}
	return inc
}

// begin starts reading a scrape.
func (st *store) begin() { st.pass++ }

// commit ends a good scrape: the next one compares against it. Every 64
// scrapes it drops series not seen for a while, so pruned queues do not
// accumulate.
func (st *store) commit() {
	if st.gen%64 == 0 {
		for k, s := range st.m {
			if s.gen+8 < st.gen {
				delete(st.m, k)
			}
		}
	}
	st.gen++
}

// reset forgets every series; the next scrape is a first one.
func (st *store) reset() {
	clear(st.m)
	st.gen++ // nothing is from the previous generation now
}
