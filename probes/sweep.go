package probes

import (
	"context"
	"fmt"
	"sync"
)

// sweep is what the checks of one [Run] share: work that several of them
// need the outcome of (the TLS handshake for the served certificate,
// `nginx -T`, the site file) is done once, by the first check that asks,
// and handed to the others, errors included (a timeout is paid once, not
// three times). Run makes a new one every time: the next sweep (the next
// dashboard refresh, the next `kumoup status`) does the work again, since
// the files and servers may have changed in between.
//
// Checks run concurrently: a check that asks for work another check is
// doing waits for it, or for its own context to end.
type sweep struct {
	mu      sync.Mutex
	entries map[string]*sweepEntry
}

// sweepEntry is one piece of shared work: done is closed when val and err
// are set.
type sweepEntry struct {
	done chan struct{}
	val  any
	err  error
}

func newSweep() *sweep { return &sweep{entries: map[string]*sweepEntry{}} }

// inSweep returns a copy of t whose checks share the work of one sweep
// (nil s: every check does its own, as outside Run).
func (t *Target) inSweep(s *sweep) *Target {
	c := *t
	c.sweep = s
	return &c
}

// sweepShared returns what do returns for key, done once per sweep of t:
// the first caller runs do with its own context, later callers of the same
// sweep get the same value and error (the value is shared: read it, never
// change it). A caller whose context ends while another runs do gets its
// context's error. Outside a sweep (t.sweep nil) it just calls do.
func sweepShared[T any](ctx context.Context, t *Target, key string, do func(context.Context) (T, error)) (T, error) {
	s := t.sweep
	if s == nil {
		return do(ctx)
	}
	s.mu.Lock()
	e, ok := s.entries[key]
	if !ok {
		e = &sweepEntry{done: make(chan struct{})}
		s.entries[key] = e
	}
	s.mu.Unlock()
	if !ok {
		// A panic in do reaches the first caller (Run reports it); the
		// others are told, not left waiting.
		e.err = fmt.Errorf("%s: it crashed in another check", key)
		func() {
			defer close(e.done)
			v, err := do(ctx)
			e.val, e.err = v, err
		}()
	} else {
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	v, _ := e.val.(T)
	return v, e.err
}
