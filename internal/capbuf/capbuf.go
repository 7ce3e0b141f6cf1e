// Package capbuf keeps the first bytes a child process writes and drops the
// rest: the output of a program kumoup runs (kumod --version, nginx -v,
// kumod --validate) is hostile like any file it did not write, so what is
// kept of it is bounded.
package capbuf

import "bytes"

// Buffer is an io.Writer that keeps the first N bytes written to it and
// silently drops the rest. Write always reports the whole of p as written,
// so a child process is never stopped by a short write. The zero value
// keeps nothing; make one with New.
//
// A Buffer is not safe for concurrent writes; give it as both Stdout and
// Stderr of one exec.Cmd (os/exec then writes from one goroutine at a
// time), not to two commands.
type Buffer struct {
	b bytes.Buffer
	n int
}

// New returns a Buffer that keeps at most n bytes.
func New(n int) *Buffer { return &Buffer{n: n} }

// Write keeps what still fits of p and reports all of p as written.
func (w *Buffer) Write(p []byte) (int, error) {
	if room := w.n - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// String returns what was kept.
func (w *Buffer) String() string { return w.b.String() }
