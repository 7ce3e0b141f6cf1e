package expogen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Shape says how many of each kind of object an exposition describes.
type Shape struct {
	ReadyQueues     int // per ready queue: 7 series with a service label
	ScheduledQueues int // per scheduled queue: 3 series with a queue label
	Providers       int // per provider: 15 series by provider, pool and source
	Sources         int // egress sources (ip-1, ip-2, ...)
}

// fixedSeries is about how many series an exposition has besides the
// per-queue and per-provider ones.
const fixedSeries = 200

// ShapeFor returns a Shape whose exposition has about n series, split the way
// a busy kumod's is: seven tenths per ready queue, a quarter per scheduled
// queue, the rest per provider and process-wide.
func ShapeFor(n int) Shape {
	rem := max(n-fixedSeries, 0)
	return Shape{
		ReadyQueues:     max(rem*70/100/7, 1),
		ScheduledQueues: max(rem*24/100/3, 1),
		Providers:       max(rem*6/100/15, 1),
		Sources:         16,
	}
}

// Generate returns an exposition of about n series (within one percent for
// n of a few thousand and more), deterministic for a given seed.
func Generate(n int, seed uint64) []byte {
	return GenerateShape(ShapeFor(n), seed)
}

// GenerateShape returns an exposition describing the given shape.
func GenerateShape(sh Shape, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e := &exposition{b: make([]byte, 0, 128*(7*sh.ReadyQueues+3*sh.ScheduledQueues+15*sh.Providers+fixedSeries))}
	queues := make([]string, sh.ReadyQueues)
	for i := range queues {
		// The first queues go to the providers' sites, the rest to
		// domains of their own, each over every source.
		s, _ := site(i / max(sh.Sources, 1))
		if i/max(sh.Sources, 1) >= sh.Providers {
			s = fmt.Sprintf("mx.d%d.example.org", i/max(sh.Sources, 1))
		}
		queues[i] = queueService(source(i%max(sh.Sources, 1)), s)
	}
	count := func(scale float64) float64 { return math.Floor(r.ExpFloat64() * scale) }

	perQueue := func(name, typ, help string, rollups []string, scale float64) {
		e.family(name, typ, help)
		for _, svc := range rollups {
			e.sample(name, count(scale*float64(len(queues))), "service", svc)
		}
		for _, q := range queues {
			e.sample(name, count(scale), "service", q)
		}
	}
	perProvider := func(name, typ, help string, scale float64, withPool, withSource bool) {
		e.family(name, typ, help)
		for p := range sh.Providers {
			_, prov := site(p)
			switch {
			case withSource:
				for s := range 2 {
					e.sample(name, count(scale), "provider", prov, "source", source((p+s)%max(sh.Sources, 1)), "pool", "pool-"+string(rune('a'+s)))
				}
			case withPool:
				for s := range 2 {
					e.sample(name, count(scale), "provider", prov, "pool", "pool-"+string(rune('a'+s)))
				}
			default:
				e.sample(name, count(scale), "provider", prov)
			}
		}
	}
	scheduled := make([]string, sh.ScheduledQueues)
	for i := range scheduled {
		scheduled[i] = scheduledQueue(i, r)
	}
	perScheduled := func(name, typ, help string, scale float64) {
		e.family(name, typ, help)
		for _, q := range scheduled {
			e.sample(name, count(scale), "queue", q)
		}
	}

	e.family("bind_failures", "counter", "How many times that directly binding a source address has failed.")
	e.sample("bind_failures", 0)
	perQueue("connection_count", "gauge", "The number of active outgoing connections in the system,  keyed by the service name.", []string{"esmtp_listener", "smtp_client"}, 3)
	perProvider("connection_count_by_provider", "gauge", "number of active connections", 20, false, false)
	perProvider("connection_count_by_provider_and_pool", "gauge", "number of active connections", 10, true, false)
	perScheduled("delayed_due_to_message_rate_throttle", "counter", "Number of times a message was delayed due to max_message_rate", 5)
	perScheduled("delayed_due_to_ready_queue_full", "counter", "Number of times a message was delayed due to the corresponding ready queue being full.", 5)
	e.family("deliver_message_latency_rollup", "histogram", "how many seconds a deliver_message call takes for a given protocol")
	e.histogram("deliver_message_latency_rollup", uint64(count(1e6)), count(1e5)+0.123456789, "service", "smtp_client")
	writeDisks(e, []float64{60, 60, 60})
	writeEgressHealth(e, []string{source(0), source(1)}, []float64{0, 1})
	writeLogHooks(e, count(100), r)
	writeProcess(e, processState{memory: 3.2e9, messages: count(1e6), resident: count(1e4), proxyFailures: count(10)}, r)
	perProvider("queued_count_by_provider", "gauge", "number of messages in the scheduled and ready queue", 1000, false, false)
	perProvider("queued_count_by_provider_and_pool", "gauge", "number of messages in the scheduled and ready queue", 500, true, false)
	perQueue("ready_count", "gauge", "number of messages in the ready queue", nil, 50)
	perQueue("ready_full", "counter", "number of times a message could not fit in the ready queue.", nil, 2)
	perScheduled("scheduled_count", "gauge", "number of messages in the scheduled queue.", 200)
	e.family("scheduled_count_total", "gauge", "total number of messages across all scheduled queues.")
	e.sample("scheduled_count_total", count(1e6))
	e.family("smtp_server_rejections", "counter", "number of Rejection records logged by the smtp server")
	e.sample("smtp_server_rejections", count(1000), "service", "0.0.0.0:25")
	e.sample("smtp_server_rejections", count(1000), "service", "total")
	writeThreadPools(e, func(size float64) float64 { return float64(r.IntN(int(size) + 1)) })
	writeTokio(e, r)
	perQueue("total_connection_count", "counter", "total number of active connections ever made", []string{"esmtp_listener", "smtp_client"}, 1e3)
	perQueue("total_messages_delivered", "counter", "total number of messages ever delivered", []string{"smtp_client"}, 1e5)
	perProvider("total_messages_delivered_by_provider", "counter", "total number of messages ever delivered", 1e6, false, false)
	perProvider("total_messages_delivered_by_provider_and_source", "counter", "total number of messages ever delivered", 1e5, false, true)
	perQueue("total_messages_fail", "counter", "total number of message delivery attempts that permanently failed", []string{"smtp_client"}, 1e3)
	perProvider("total_messages_fail_by_provider", "counter", "total number of message delivery attempts that permanently failed", 1e4, false, false)
	perProvider("total_messages_fail_by_provider_and_source", "counter", "total number of message delivery attempts that permanently failed", 1e3, false, true)
	e.family("total_messages_received", "counter", "total number of messages ever received")
	e.sample("total_messages_received", count(1e7), "service", "esmtp_listener")
	e.sample("total_messages_received", count(1e6), "service", "http_listener")
	perQueue("total_messages_transfail", "counter", "total number of message delivery attempts that transiently failed", []string{"smtp_client"}, 1e4)
	perProvider("total_messages_transfail_by_provider", "counter", "total number of message delivery attempts that transiently failed", 1e5, false, false)
	perProvider("total_messages_transfail_by_provider_and_source", "counter", "total number of message delivery attempts that transiently failed", 1e4, false, true)
	return e.b
}
