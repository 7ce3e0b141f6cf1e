package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"sort"
	"time"
)

// DefaultTopN is how many ready queues and providers a Summary lists.
const DefaultTopN = 10

// Caps on what a Summarizer keeps between scrapes, whatever an exposition
// holds (a kumod has a few pools, log hooks and disks and at most some
// thousands of providers; an endpoint that is not kumod may send millions
// of names). Past a cap, new names are read but not kept: not listed, and
// their counters not turned into rates.
const (
	maxProviders = 20_000
	maxNamed     = 1_000 // thread pools, log hooks, disks, each
)

// Summarizer turns successive scrapes of one kumod into Summaries. It keeps
// the previous values of counters (to compute rates), per-series state and
// the histories, and reuses its buffers, so that a steady-state update
// allocates little beyond the Summary's own slices. It is not safe for
// concurrent use; the zero value is not ready, use NewSummarizer.
type Summarizer struct {
	// TopN is how many queues and providers to list; DefaultTopN if 0.
	TopN int

	sc      scanner
	fast    *store // counters keyed by raw series text
	ref     *store // counters keyed by rebuilt text when expfmt parsed the scrape
	cur     *store
	lastRef bool // the previous good scrape was parsed by expfmt
	prevAt  time.Time
	attempt uint64 // counts Update calls; entities touched in this one are current
	visit   func(*sample)
	win     []byte // UpdateFrom's read window

	acc       accum
	top       []topQueue
	topMin    float64 // the smallest value in top once it is full
	suspended []SuspendedSource
	pools     map[string]*poolState
	hooks     map[string]*hookState
	disks     map[string]*diskState
	providers map[string]*providerState
	queues    map[string]*queueState
	names     map[string]string // interned label values
	provList  []*providerState
	// spare holds the state of a name past its cap, never listed.
	spare struct {
		pool     poolState
		hook     hookState
		disk     diskState
		provider providerState
	}

	hist struct {
		delivered, transfail, failed, received, scheduled, ready, messages, resident,
		memory, memoryLimit, outbound, inbound, rejections, proxy Ring
	}
}

// accum holds the per-scrape sums the summary is built from.
type accum struct {
	seen                                                 [numFamilies]bool
	delivered, transfail, failed, received, rejections   float64
	proxyInc, proxyTotal                                 float64
	scheduled, ready, messages, resident, memory, memLim float64
	outbound, inbound                                    float64
	outboundSeen, inboundSeen, rejectionsSeen            bool
}

type topQueue struct {
	v    float64
	name []byte
}

type poolState struct {
	name         string
	gen          uint64
	size, parked float64
	sizeSeen     bool
	busy         Ring
}

type hookState struct {
	name            string
	gen             uint64
	total, inc      float64
	totalH, perSecH Ring
}

type diskState struct {
	name string
	gen  uint64
	pct  float64
	hist Ring
}

type providerState struct {
	name                                 string
	gen                                  uint64
	queued, delivered, transfail, failed float64
	conns                                float64
	queuedSeen                           bool
	hist                                 *Ring // made when the provider is first listed: most never are
}

type queueState struct {
	gen  uint64
	hist Ring
}

// NewSummarizer returns a Summarizer with no history.
func NewSummarizer() *Summarizer {
	z := &Summarizer{
		fast: newStore(), ref: newStore(),
		pools: map[string]*poolState{}, hooks: map[string]*hookState{}, disks: map[string]*diskState{},
		providers: map[string]*providerState{}, queues: map[string]*queueState{}, names: map[string]string{},
	}
	z.visit = z.add
	return z
}

// Update reads one scrape's exposition, taken at time at, and returns the
// summary. body is only read during the call. A malformed exposition gives
// a *ParseError and leaves the Summarizer as it was, so the next good
// scrape's rates span the gap. UpdateFrom does the same from a reader.
func (z *Summarizer) Update(at time.Time, body []byte) (Summary, error) {
	z.start()
	err := z.sc.scan(body, z.visit)
	samples := z.sc.samples
	reference := false
	if errors.Is(err, errFallback) {
		reference = true
		z.attempt++
		z.begin()
		if !z.lastRef {
			z.ref.reset()
		}
		z.cur = z.ref
		z.cur.begin()
		samples, err = referenceSamples(body, z.visit)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("read exposition: %w", err)
	}
	return z.finish(at, reference, samples, int64(len(body))), nil
}

// start begins an update read by the fast path.
func (z *Summarizer) start() {
	z.attempt++
	z.begin()
	if z.lastRef { // back from expfmt: its keys differ, start over
		z.fast.reset()
	}
	z.cur = z.fast
	z.cur.begin()
}

// finish ends a good update: it commits the counters and builds the
// Summary.
func (z *Summarizer) finish(at time.Time, reference bool, samples int, n int64) Summary {
	// Rates need a previous good scrape read the same way.
	rates := !z.prevAt.IsZero() && at.After(z.prevAt) && reference == z.lastRef
	z.cur.commit()
	var dt time.Duration
	if rates {
		dt = at.Sub(z.prevAt)
	}
	s := z.build(at, dt, rates)
	s.Samples, s.Bytes, s.Reference = samples, int(n), reference
	z.prevAt, z.lastRef = at, reference
	return s
}

func (z *Summarizer) begin() {
	z.acc = accum{}
	z.top = z.top[:0]
	z.suspended = z.suspended[:0]
}

// intern returns b as a string, allocating only the first time.
func (z *Summarizer) intern(b []byte) string {
	if s, ok := z.names[string(b)]; ok {
		return s
	}
	if len(z.names) > 100_000 {
		clear(z.names)
	}
	s := string(b)
	z.names[s] = s
	return s
}

// add folds one sample into the scrape's sums.
func (z *Summarizer) add(s *sample) {
	a := &z.acc
	a.seen[s.fam] = true
	v := s.value
	switch s.fam {
	case famDelivered, famTransfail, famFailed:
		if string(s.label("service")) != "smtp_client" {
			return
		}
		inc := z.cur.increase(s.key, v)
		switch s.fam {
		case famDelivered:
			a.delivered += inc
		case famTransfail:
			a.transfail += inc
		default:
			a.failed += inc
		}
	case famReceived:
		a.received += z.cur.increase(s.key, v)
	case famRejections:
		if string(s.label("service")) == "total" {
			a.rejections += z.cur.increase(s.key, v)
			a.rejectionsSeen = true
		}
	case famProxyFailures:
		a.proxyInc += z.cur.increase(s.key, v)
		a.proxyTotal += v
	case famScheduledTotal:
		a.scheduled += v
	case famReady:
		if svc := s.label("service"); bytes.IndexByte(svc, ':') >= 0 {
			a.ready += v
			z.offerQueue(svc, v)
		}
	case famMessages:
		a.messages += v
	case famResident:
		a.resident += v
	case famMemory:
		a.memory += v
	case famMemoryLimit:
		a.memLim += v
	case famConnections:
		switch string(s.label("service")) {
		case "smtp_client":
			a.outbound += v
			a.outboundSeen = true
		case "esmtp_listener":
			a.inbound += v
			a.inboundSeen = true
		}
	case famPoolSize, famPoolParked:
		p := z.pool(s.label("pool"))
		if s.fam == famPoolSize {
			p.size, p.sizeSeen = v, true
		} else {
			p.parked = v
		}
	case famHookBacklog:
		h := z.hook(s.label("logger"))
		h.total += v
		h.inc += z.cur.increase(s.key, v)
	case famSuspended:
		if v >= 1 {
			z.suspended = append(z.suspended, SuspendedSource{Source: z.intern(s.label("source")), Reason: z.intern(s.label("reason"))})
		}
	case famDiskFree:
		d := z.disk(s.label("name"))
		d.pct = v
	case famQueuedByProvider, famDeliveredByProvider, famTransfailByProvider, famFailedByProvider, famConnectionsByProvider:
		p := z.provider(s.label("provider"))
		switch s.fam {
		case famQueuedByProvider:
			p.queued += v
			p.queuedSeen = true
		case famDeliveredByProvider:
			p.delivered += z.cur.increase(s.key, v)
		case famTransfailByProvider:
			p.transfail += z.cur.increase(s.key, v)
		case famFailedByProvider:
			p.failed += z.cur.increase(s.key, v)
		default:
			p.conns += v
		}
	}
}

// topN is how many queues and providers a Summary lists.
func (z *Summarizer) topN() int {
	if z.TopN <= 0 {
		return DefaultTopN
	}
	return z.TopN
}

// offerQueue keeps the TopN ready queues seen so far in this scrape. A
// queue written twice is listed once, with its first value.
func (z *Summarizer) offerQueue(name []byte, v float64) {
	full := len(z.top) >= z.topN()
	if full && !(v > z.topMin) {
		return // the common case: smaller than every listed queue
	}
	for i := range z.top {
		if bytes.Equal(z.top[i].name, name) {
			return
		}
	}
	var t *topQueue
	if full {
		t = &z.top[z.lowQueue()]
	} else {
		if len(z.top) < cap(z.top) {
			z.top = z.top[:len(z.top)+1] // reuse the slot's name buffer
		} else {
			z.top = append(z.top, topQueue{})
		}
		t = &z.top[len(z.top)-1]
	}
	t.v, t.name = v, append(t.name[:0], name...)
	if len(z.top) >= z.topN() {
		z.topMin = z.top[z.lowQueue()].v
	}
}

// lowQueue returns the index of the smallest of the top queues (not empty).
func (z *Summarizer) lowQueue() int {
	low := 0
	for i := range z.top {
		if z.top[i].v < z.top[low].v {
			low = i
		}
	}
	return low
}

func (z *Summarizer) pool(name []byte) *poolState {
	p := z.pools[string(name)]
	if p == nil && len(z.pools) >= maxNamed {
		p = &z.spare.pool // read, not kept
		*p = poolState{}
	}
	if p == nil {
		p = &poolState{name: string(name)}
		z.pools[p.name] = p
	}
	if p.gen != z.attempt {
		p.gen, p.size, p.parked, p.sizeSeen = z.attempt, 0, 0, false
	}
	return p
}

func (z *Summarizer) hook(name []byte) *hookState {
	h := z.hooks[string(name)]
	if h == nil && len(z.hooks) >= maxNamed {
		h = &z.spare.hook // read, not kept
		*h = hookState{}
	}
	if h == nil {
		h = &hookState{name: string(name)}
		z.hooks[h.name] = h
	}
	if h.gen != z.attempt {
		h.gen, h.total, h.inc = z.attempt, 0, 0
	}
	return h
}

func (z *Summarizer) disk(name []byte) *diskState {
	d := z.disks[string(name)]
	if d == nil && len(z.disks) >= maxNamed {
		d = &z.spare.disk // read, not kept
		*d = diskState{}
	}
	if d == nil {
		d = &diskState{name: string(name)}
		z.disks[d.name] = d
	}
	d.gen = z.attempt
	return d
}

func (z *Summarizer) provider(name []byte) *providerState {
	p := z.providers[string(name)]
	if p == nil && len(z.providers) >= maxProviders {
		p = &z.spare.provider // read, not kept
		*p = providerState{}
	}
	if p == nil {
		p = &providerState{name: string(name)}
		z.providers[p.name] = p
	}
	if p.gen != z.attempt {
		*p = providerState{name: p.name, gen: z.attempt, hist: p.hist}
	}
	return p
}

// build turns the scrape's sums into a Summary and records histories.
func (z *Summarizer) build(at time.Time, dt time.Duration, rates bool) Summary {
	a := &z.acc
	h := &z.hist
	secs := dt.Seconds()
	rate := func(inc float64, known bool, r *Ring) Stat {
		if !rates || !known {
			return Stat{History: *r}
		}
		v := inc / secs
		r.Push(v)
		return Stat{Value: v, Known: true, History: *r}
	}
	gauge := func(v float64, known bool, r *Ring) Stat {
		if !known {
			return Stat{History: *r}
		}
		r.Push(v)
		return Stat{Value: v, Known: true, History: *r}
	}
	s := Summary{
		At: at, Interval: dt,
		Delivered:     rate(a.delivered, true, &h.delivered),
		Transfail:     rate(a.transfail, true, &h.transfail),
		Failed:        rate(a.failed, true, &h.failed),
		Received:      rate(a.received, true, &h.received),
		Scheduled:     gauge(a.scheduled, a.seen[famScheduledTotal], &h.scheduled),
		Ready:         gauge(a.ready, true, &h.ready),
		Messages:      gauge(a.messages, a.seen[famMessages], &h.messages),
		Resident:      gauge(a.resident, a.seen[famResident], &h.resident),
		Memory:        gauge(a.memory, a.seen[famMemory], &h.memory),
		MemoryLimit:   gauge(a.memLim, a.seen[famMemoryLimit], &h.memoryLimit),
		OutboundConns: gauge(a.outbound, true, &h.outbound),
		InboundConns:  gauge(a.inbound, true, &h.inbound),
		Rejections:    rate(a.rejections, true, &h.rejections),
		ProxyFailures: rate(a.proxyInc, a.seen[famProxyFailures], &h.proxy),

		ProxyFailuresTotal: a.proxyTotal,
		Suspended:          append([]SuspendedSource(nil), z.suspended...),
	}
	for _, p := range sortedCurrent(z.pools, z.attempt, func(p *poolState) (uint64, string) { return p.gen, p.name }) {
		tp := ThreadPool{Name: p.name, Size: p.size, Parked: p.parked}
		tp.Busy = gauge((p.size-p.parked)/p.size*100, p.sizeSeen && p.size > 0, &p.busy)
		s.ThreadPools = append(s.ThreadPools, tp)
	}
	for _, hk := range sortedCurrent(z.hooks, z.attempt, func(h *hookState) (uint64, string) { return h.gen, h.name }) {
		s.Webhooks = append(s.Webhooks, LogHook{Logger: hk.name, Total: gauge(hk.total, true, &hk.totalH), PerSecond: rate(hk.inc, true, &hk.perSecH)})
	}
	for _, d := range sortedCurrent(z.disks, z.attempt, func(d *diskState) (uint64, string) { return d.gen, d.name }) {
		s.Disks = append(s.Disks, DiskFree{Name: d.name, Percent: gauge(d.pct, true, &d.hist)})
	}
	s.TopQueues = z.topQueues()
	s.TopProviders = z.topProviders(secs, rates)
	z.prune()
	return s
}

// sortedCurrent returns the entities touched in the current update, sorted
// by name.
func sortedCurrent[T any](m map[string]*T, attempt uint64, key func(*T) (uint64, string)) []*T {
	var out []*T
	for _, e := range m {
		if g, _ := key(e); g == attempt {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		_, a := key(out[i])
		_, b := key(out[j])
		return a < b
	})
	return out
}

func (z *Summarizer) topQueues() []QueueVolume {
	sort.Slice(z.top, func(i, j int) bool {
		if z.top[i].v != z.top[j].v {
			return z.top[i].v > z.top[j].v
		}
		return bytes.Compare(z.top[i].name, z.top[j].name) < 0
	})
	out := make([]QueueVolume, 0, len(z.top))
	for _, t := range z.top {
		name := z.intern(t.name)
		q := z.queues[name]
		if q == nil {
			q = &queueState{}
			z.queues[name] = q
		}
		q.gen = z.attempt
		q.hist.Push(t.v)
		out = append(out, QueueVolume{Queue: name, Ready: Stat{Value: t.v, Known: true, History: q.hist}})
	}
	return out
}

func (z *Summarizer) topProviders(secs float64, rates bool) []ProviderVolume {
	z.provList = z.provList[:0]
	for _, p := range z.providers {
		if p.gen == z.attempt {
			z.provList = append(z.provList, p)
		}
	}
	l := z.provList
	sort.Slice(l, func(i, j int) bool {
		if l[i].queued != l[j].queued {
			return l[i].queued > l[j].queued
		}
		if l[i].delivered != l[j].delivered {
			return l[i].delivered > l[j].delivered
		}
		return l[i].name < l[j].name
	})
	l = l[:min(z.topN(), len(l))]
	out := make([]ProviderVolume, 0, len(l))
	for _, p := range l {
		pv := ProviderVolume{Provider: p.name, Connections: p.conns}
		if p.queuedSeen {
			if p.hist == nil {
				p.hist = new(Ring)
			}
			p.hist.Push(p.queued)
			pv.Queued = Stat{Value: p.queued, Known: true, History: *p.hist}
		}
		if rates {
			pv.Delivered, pv.Transfail, pv.Failed = p.delivered/secs, p.transfail/secs, p.failed/secs
		}
		out = append(out, pv)
	}
	return out
}

// prune forgets entities not seen for a long while, every 64 updates.
func (z *Summarizer) prune() {
	if z.attempt%64 != 0 {
		return
	}
	old := func(gen uint64) bool { return gen+2*HistoryLen < z.attempt }
	maps.DeleteFunc(z.queues, func(_ string, v *queueState) bool { return old(v.gen) })
	maps.DeleteFunc(z.providers, func(_ string, v *providerState) bool { return old(v.gen) })
	maps.DeleteFunc(z.pools, func(_ string, v *poolState) bool { return old(v.gen) })
	maps.DeleteFunc(z.hooks, func(_ string, v *hookState) bool { return old(v.gen) })
	maps.DeleteFunc(z.disks, func(_ string, v *diskState) bool { return old(v.gen) })
}
