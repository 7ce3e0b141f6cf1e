package fsread

import (
	"context"
	"os"
)

// Open opens the regular file at path for a streamed read, with Read's
// checks: it does not block on a FIFO and refuses anything that is not a
// regular file, with the same errors. Bounding the read and tying it to a
// context are the caller's (a reader too large to hold whole, such as a
// saved metrics exposition, is streamed through a window).
func Open(ctx context.Context, path string) (*os.File, error) {
	f, _, err := open(ctx, path, 0)
	return f, err
}
