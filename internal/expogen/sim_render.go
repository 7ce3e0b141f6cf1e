package expogen

// render writes the exposition of the Sim's current state and fills in the
// gauges of its Truth.
func (s *Sim) render() []byte {
	e := &exposition{b: make([]byte, 0, 48<<10)}
	var ready, scheduled float64
	present := make([]*simQueue, 0, len(s.queues))
	for i := range s.queues {
		if s.queues[i].present {
			present = append(present, &s.queues[i])
			ready += s.queues[i].ready
		}
	}
	perQueue := func(name, typ, help string, rollup float64, hasRollup bool, v func(q *simQueue) float64) {
		e.family(name, typ, help)
		if hasRollup {
			e.sample(name, rollup, "service", "smtp_client")
		}
		for _, q := range present {
			e.sample(name, v(q), "service", q.service)
		}
	}
	perProvider := func(name, typ, help string, v func(p *simProvider) float64) {
		e.family(name, typ, help)
		for i := range s.providers {
			if p := &s.providers[i]; p.present {
				e.sample(name, v(p), "provider", p.name)
			}
		}
	}
	var conns float64
	for _, q := range present {
		conns += q.conns
	}
	e.family("connection_count", "gauge", "The number of active outgoing connections in the system,  keyed by the service name.")
	e.sample("connection_count", float64(s.step%7), "service", "esmtp_listener")
	e.sample("connection_count", conns, "service", "smtp_client")
	for _, q := range present {
		e.sample("connection_count", q.conns, "service", q.service)
	}
	perProvider("connection_count_by_provider", "gauge", "number of active connections", func(p *simProvider) float64 {
		var c float64
		for _, q := range present {
			if s.providers[q.provider].name == p.name {
				c += q.conns
			}
		}
		return c
	})
	writeDisks(e, s.diskPct)
	writeEgressHealth(e, []string{source(0), source(1)}, s.suspended)
	writeLogHooks(e, s.webhookBacklog, s.r)
	writeProcess(e, processState{memory: s.memory, messages: s.messages, resident: s.resident, proxyFailures: s.proxyFailures}, s.r)
	perProvider("queued_count_by_provider", "gauge", "number of messages in the scheduled and ready queue", func(p *simProvider) float64 {
		var c float64
		for _, q := range present {
			if s.providers[q.provider].name == p.name {
				c += q.ready
			}
		}
		return c
	})
	perQueue("ready_count", "gauge", "number of messages in the ready queue", 0, false, func(q *simQueue) float64 { return q.ready })
	perQueue("ready_full", "counter", "number of times a message could not fit in the ready queue.", 0, false, func(q *simQueue) float64 { return q.readyFull })
	e.family("scheduled_count", "gauge", "number of messages in the scheduled queue.")
	for _, sq := range s.scheduled {
		scheduled += sq.count
		e.sample("scheduled_count", sq.count, "queue", sq.name)
	}
	e.family("scheduled_count_total", "gauge", "total number of messages across all scheduled queues.")
	e.sample("scheduled_count_total", scheduled)
	e.family("smtp_server_rejections", "counter", "number of Rejection records logged by the smtp server")
	e.sample("smtp_server_rejections", s.rejectionsListener, "service", "0.0.0.0:25")
	e.sample("smtp_server_rejections", s.rejections, "service", "total")
	writeThreadPools(e, func(size float64) float64 { return float64(s.r.IntN(int(size) + 1)) })
	perQueue("total_connection_count", "counter", "total number of active connections ever made", s.totalConns, true, func(q *simQueue) float64 { return q.totalC })
	perQueue("total_messages_delivered", "counter", "total number of messages ever delivered", s.delivered, true, func(q *simQueue) float64 { return q.delivered })
	perProvider("total_messages_delivered_by_provider", "counter", "total number of messages ever delivered", func(p *simProvider) float64 { return p.delivered })
	perQueue("total_messages_fail", "counter", "total number of message delivery attempts that permanently failed", s.failed, true, func(q *simQueue) float64 { return q.failed })
	perProvider("total_messages_fail_by_provider", "counter", "total number of message delivery attempts that permanently failed", func(p *simProvider) float64 { return p.failed })
	e.family("total_messages_received", "counter", "total number of messages ever received")
	e.sample("total_messages_received", s.receivedSMTP, "service", "esmtp_listener")
	e.sample("total_messages_received", s.receivedHTTP, "service", "http_listener")
	perQueue("total_messages_transfail", "counter", "total number of message delivery attempts that transiently failed", s.transfail, true, func(q *simQueue) float64 { return q.transfail })
	perProvider("total_messages_transfail_by_provider", "counter", "total number of message delivery attempts that transiently failed", func(p *simProvider) float64 { return p.transfail })

	s.truth.Ready = ready
	s.truth.Scheduled = scheduled
	for i := range s.providers {
		if p := &s.providers[i]; p.present {
			s.truth.ProviderDelivered[p.name] = s.providerDelivered[i]
		}
	}
	return e.b
}
