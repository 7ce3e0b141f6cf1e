// Package capbuf keeps the first bytes a child process writes and drops the
// rest: the output of a program kumoup runs (kumod --version, nginx -v,
// kumod --validate) is hostile like any file it did not write, so what is
// kept of it is bounded.
package capbuf

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer that keeps the first N bytes written to it and
// silently drops the rest. Write always reports the whole of p as written,
// so a child process is never stopped by a short write. The zero value
// keeps nothing; make one with New.
//
// A Buffer is safe for concurrent use: a test may read what a long-running
// child wrote so far while the child still writes.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int
}

// New returns a Buffer that keeps at most n bytes.
func New(n int) *Buffer { return &Buffer{n: n} }

// Write keeps what still fits of p and reports all of p as written.
func (w *Buffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.n - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// String returns what was kept.
func (w *Buffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
