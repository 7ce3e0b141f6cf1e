package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// Sizes of the streaming read.
const (
	// streamWindow is the window a streamed exposition is read through:
	// memory for the read does not grow with the exposition.
	streamWindow = 256 << 10
	// MaxLineLength is the longest line a streamed exposition may have;
	// the window grows to hold one line, up to this. KumoMTA's lines are a
	// few hundred bytes.
	MaxLineLength = 16 << 20
)

// ErrNeedsWholeBody is returned by UpdateFrom when the exposition uses
// syntax the streaming fast path leaves to the reference parser (quoted
// UTF-8 names, a watched family declared a histogram or summary; KumoMTA
// writes neither). The caller reads the exposition again, whole, and calls
// Update with it.
var ErrNeedsWholeBody = errors.New("exposition needs the reference parser: read it whole")

// UpdateFrom is Update for an exposition read from r: it decompresses
// nothing itself and reads r to its end through a fixed window, scanning
// each complete line as it arrives, so memory does not grow with the size
// of the exposition. An error from r is returned wrapped; a malformed
// exposition gives a *ParseError (a line longer than MaxLineLength is
// one); either leaves the Summarizer as Update does. See ErrNeedsWholeBody.
func (z *Summarizer) UpdateFrom(at time.Time, r io.Reader) (Summary, error) {
	z.start()
	n, err := z.scanStream(r)
	if errors.Is(err, errFallback) {
		return Summary{}, ErrNeedsWholeBody
	}
	if err != nil {
		return Summary{}, fmt.Errorf("read exposition: %w", err)
	}
	return z.finish(at, false, z.sc.samples, n), nil
}

// scanStream reads r through the window and scans its complete lines,
// carrying a line cut by the end of the window over to the next read. It
// returns how many bytes it read.
func (z *Summarizer) scanStream(r io.Reader) (int64, error) {
	if cap(z.win) < streamWindow {
		z.win = make([]byte, streamWindow)
	}
	buf := z.win[:cap(z.win)]
	defer func() {
		if cap(z.win) > streamWindow { // grown for a long line: do not keep it
			z.win = nil
		}
	}()
	z.sc.begin()
	var total int64
	start, end := 0, 0 // buf[start:end] is read and not yet scanned
	for {
		if end == len(buf) {
			switch {
			case start > 0:
				end = copy(buf, buf[start:end])
				start = 0
			case len(buf) >= MaxLineLength:
				return total, &ParseError{Line: z.sc.line + 1, Msg: fmt.Sprintf("line longer than %s", sizeString(MaxLineLength))}
			default:
				nb := make([]byte, min(2*len(buf), MaxLineLength))
				copy(nb, buf[:end])
				buf, z.win = nb, nb
			}
		}
		n, rerr := r.Read(buf[end:])
		if n > 0 {
			total += int64(n)
			// Only the new bytes can hold a newline: the rest was scanned
			// or is a line cut by the window.
			if k := bytes.LastIndexByte(buf[end:end+n], '\n'); k >= 0 {
				stop := end + k + 1
				if err := z.sc.chunk(buf[start:stop], z.visit); err != nil {
					return total, err
				}
				start = stop
			}
			end += n
		}
		if rerr == io.EOF {
			return total, z.sc.chunk(buf[start:end], z.visit)
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
