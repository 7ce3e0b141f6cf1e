package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
)

// SummarizeFile folds the exposition saved in the file at path into z, as
// of at. Like Refresh it streams the file through the Summarizer's window,
// so memory does not grow with the file; only an exposition that needs the
// reference parser is read again, whole. maxBody caps the file's size
// (DefaultMaxBody if 0). Reading stops when ctx ends.
func SummarizeFile(ctx context.Context, z *Summarizer, at time.Time, path string, maxBody int64) (Summary, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	r, closeFn, err := openExposition(ctx, path, maxBody)
	if err != nil {
		return Summary{}, err
	}
	sum, err := z.UpdateFrom(at, r)
	closeFn()
	if errors.Is(err, ErrNeedsWholeBody) {
		var body []byte
		if body, err = ReadFile(ctx, path, min(maxBody, maxReferenceBody)); err != nil {
			return Summary{}, err
		}
		sum, err = z.Update(at, body)
	}
	if err != nil {
		return Summary{}, fileError(path, maxBody, err)
	}
	return sum, nil
}

// ReadFile reads the exposition saved at path whole (fsread.Read: a
// regular file, refused past maxBody bytes, DefaultMaxBody if 0, without
// reading further).
func ReadFile(ctx context.Context, path string, maxBody int64) ([]byte, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	b, err := fsread.Read(ctx, path, maxBody)
	if err != nil {
		return nil, fileError(path, maxBody, err)
	}
	return b, nil
}

// openExposition opens a saved exposition for streaming (fsread.Open: a
// regular file, opened without blocking), read under ctx and capped at
// maxBody bytes (*http.MaxBytesError past it).
func openExposition(ctx context.Context, path string, maxBody int64) (io.Reader, func(), error) {
	f, err := fsread.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return &ctxReader{r: http.MaxBytesReader(nil, f, maxBody), ctx: ctx}, func() { f.Close() }, nil
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	r   io.Reader
	ctx context.Context
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// fileError says what was wrong with a saved exposition. Errors from
// fsread name the path already.
func fileError(path string, maxBody int64, err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, fsread.ErrTooLarge) {
		return fmt.Errorf("%s: more than %s; give a larger --max-body if this is expected", fsread.ShowPath(path), sizeString(maxBody))
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", fsread.ShowPath(path), err)
	}
	return err
}
