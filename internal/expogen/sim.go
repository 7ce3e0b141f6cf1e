package expogen

import (
	"math"
	"math/rand/v2"
	"time"
)

// SimShape is the default size of a Sim: about 300 series, cheap enough to
// serve every 2 s from the demo's stand-in kumod.
var SimShape = Shape{ReadyQueues: 12, ScheduledQueues: 10, Providers: 6, Sources: 2}

// Sim is a deterministic simulated kumod. Each call to Next advances it to
// the given time and returns the exposition a scrape would see then.
//
// Between scrapes messages are received, queued, delivered, deferred and
// bounced at plausible rates. Now and then the smtp_client rollup counters
// restart from zero (as after a kumod restart), and ready queues that idle
// are pruned: their series vanish and come back from zero when traffic
// returns, taking their provider's series with them when a provider has no
// queue left. Truth reports what changed in the last step.
//
// A Sim is not safe for concurrent use.
type Sim struct {
	r         *rand.Rand
	last      time.Time
	step      int
	queues    []simQueue
	providers []simProvider
	scheduled []simScheduled

	delivered, transfail, failed   float64 // smtp_client rollups
	totalConns                     float64 // smtp_client rollup of total_connection_count
	receivedSMTP, receivedHTTP     float64
	rejections, rejectionsListener float64
	proxyFailures, webhookBacklog  float64
	memory, messages, resident     float64
	diskPct                        []float64
	suspended                      []float64
	truth                          Truth
	providerDelivered              []float64 // this step's increments
}

type simQueue struct {
	service  string
	provider int
	rate     float64 // arrivals per second while active
	active   bool    // receiving traffic
	present  bool    // series exposed (false once pruned)
	idle     int     // consecutive steps with nothing queued

	ready, conns                         float64
	delivered, transfail, failed, totalC float64
	readyFull                            float64
}

type simProvider struct {
	name                         string
	present                      bool
	delivered, transfail, failed float64
}

type simScheduled struct {
	name  string
	count float64
}

// Truth is what the last Next changed: increments of the counters the
// dashboard turns into rates (exact, including across restarts and pruning)
// and the gauges it shows.
type Truth struct {
	Step     int           // 1 for the first scrape
	Interval time.Duration // time since the previous scrape; 0 on the first

	Delivered, Transfail, Failed float64 // smtp_client rollup increments
	Received                     float64 // esmtp_listener + http_listener increments
	Rejections                   float64 // smtp_server_rejections{service="total"} increment
	ProxyFailures                float64
	WebhookBacklog               float64 // log_hook_backlog_count increment of hook-ping8_webhook

	// ProviderDelivered is each exposed provider's delivered increment.
	ProviderDelivered map[string]float64

	Ready     float64 // sum of per-queue ready_count
	Scheduled float64 // scheduled_count_total

	RollupReset bool     // the smtp_client rollup counters restarted this step
	Pruned      []string // ready queues whose series vanished this step
	Returned    []string // ready queues whose series came back from zero this step
}

// NewSim returns a Sim of SimShape.
func NewSim(seed uint64) *Sim { return NewSimShape(seed, SimShape) }

// NewSimShape returns a Sim describing the given shape (Providers of them
// well-known or invented; ReadyQueues spread over providers and Sources).
func NewSimShape(seed uint64, sh Shape) *Sim {
	r := rand.New(rand.NewPCG(seed, seed^0x51a4c0de))
	s := &Sim{r: r, diskPct: []float64{71, 64, 71}, suspended: []float64{0, 0}}
	sources := max(sh.Sources, 1)
	for p := range max(sh.Providers, 1) {
		_, name := site(p)
		s.providers = append(s.providers, simProvider{name: name, present: true,
			delivered: math.Floor(r.Float64() * 1e5), transfail: math.Floor(r.Float64() * 1e4), failed: math.Floor(r.Float64() * 1e3)})
	}
	for i := range sh.ReadyQueues {
		p := i % len(s.providers)
		st, _ := site(p)
		q := simQueue{service: queueService(source(i/len(s.providers)%sources), st), provider: p,
			rate: 2 + r.Float64()*40, active: true, present: true}
		q.delivered = math.Floor(r.Float64() * 1e4)
		q.totalC = math.Floor(q.delivered / 10)
		s.queues = append(s.queues, q)
	}
	for i := range sh.ScheduledQueues {
		s.scheduled = append(s.scheduled, simScheduled{name: scheduledQueue(i, r), count: math.Floor(r.Float64() * 500)})
	}
	s.delivered, s.transfail, s.failed = 1e6, 5e4, 2e3
	s.receivedSMTP, s.receivedHTTP = 8e5, 3e5
	s.memory, s.messages = 1.2e9, 4e4
	return s
}

// Truth returns what the last call to Next changed.
func (s *Sim) Truth() Truth { return s.truth }

// Next advances the simulation to now and returns the exposition scraped at
// that moment. The first call only reports the initial state.
func (s *Sim) Next(now time.Time) []byte {
	dt := 0.0
	if !s.last.IsZero() {
		dt = max(now.Sub(s.last).Seconds(), 0)
	}
	s.step++
	s.truth = Truth{Step: s.step, ProviderDelivered: map[string]float64{}}
	s.providerDelivered = make([]float64, len(s.providers))
	if s.step > 1 {
		s.truth.Interval = now.Sub(s.last)
	}
	s.last = now
	if dt > 0 {
		s.advance(dt)
	}
	return s.render()
}

// advance moves every queue and counter dt seconds forward.
func (s *Sim) advance(dt float64) {
	r := s.r
	n := func(rate float64) float64 { return math.Floor(rate * dt * (0.5 + r.Float64())) }

	// A kumod restart now and then: the rollups start again from zero.
	if s.step%17 == 0 {
		s.delivered, s.transfail, s.failed, s.totalConns = 0, 0, 0, 0
		s.truth.RollupReset = true
	}
	for i := range s.queues {
		q := &s.queues[i]
		// Traffic comes in bursts: the last queues idle for a while,
		// long enough to be pruned, then come back.
		if i >= len(s.queues)-2 && (s.step/9+i)%3 == 0 {
			q.active = false
		} else {
			q.active = true
		}
		var in float64
		if q.active {
			in = n(q.rate)
		}
		if !q.present && in == 0 {
			continue
		}
		if !q.present {
			*q = simQueue{service: q.service, provider: q.provider, rate: q.rate, active: q.active, present: true}
			s.truth.Returned = append(s.truth.Returned, q.service)
		}
		q.ready += in
		out := math.Min(q.ready, n(q.rate*0.95))
		tf := math.Floor(out * 0.08)
		pf := math.Floor(out * 0.01)
		dl := out - tf - pf
		q.ready -= dl + pf
		q.delivered += dl
		q.transfail += tf
		q.failed += pf
		q.conns = math.Ceil(q.ready / 20)
		newConns := math.Ceil(out / 25)
		q.totalC += newConns
		if q.ready > 500 {
			q.readyFull++
		}
		s.delivered += dl
		s.transfail += tf
		s.failed += pf
		s.totalConns += newConns
		s.truth.Delivered += dl
		s.truth.Transfail += tf
		s.truth.Failed += pf
		p := &s.providers[q.provider]
		p.delivered += dl
		s.providerDelivered[q.provider] += dl
		p.transfail += tf
		p.failed += pf
		if in == 0 && q.ready == 0 {
			q.idle++
		} else {
			q.idle = 0
		}
		if q.idle >= 2 {
			q.present = false
			s.truth.Pruned = append(s.truth.Pruned, q.service)
		}
	}
	for i := range s.providers {
		p := &s.providers[i]
		present := false
		for _, q := range s.queues {
			if q.provider == i && q.present {
				present = true
			}
		}
		if !present && p.present {
			p.delivered, p.transfail, p.failed = 0, 0, 0
		}
		p.present = present
	}
	smtp, http := n(40), n(25)
	s.receivedSMTP += smtp
	s.receivedHTTP += http
	s.truth.Received = smtp + http
	rej := n(0.5)
	s.rejections += rej
	s.rejectionsListener += rej
	s.truth.Rejections = rej
	if s.step%5 == 0 {
		s.proxyFailures++
		s.truth.ProxyFailures = 1
	}
	backlog := n(3 * (1 + math.Sin(float64(s.step)/4)))
	s.webhookBacklog += backlog
	s.truth.WebhookBacklog = backlog
	for i := range s.scheduled {
		sq := &s.scheduled[i]
		sq.count = math.Max(0, sq.count+math.Floor((r.Float64()-0.5)*40*dt))
	}
	s.memory = math.Max(4e8, s.memory+(r.Float64()-0.5)*5e7*dt)
	s.messages = math.Max(0, s.messages+smtp+http-s.truth.Delivered-s.truth.Failed)
	s.resident = math.Floor(s.messages / 10)
	for i := range s.diskPct {
		s.diskPct[i] = math.Max(1, s.diskPct[i]-0.01*dt)
	}
	s.suspended[1] = 0
	if (s.step/6)%2 == 1 {
		s.suspended[1] = 1
	}
}
