package kumopolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxFileSize bounds every policy file read: init.lua and what it requires.
const MaxFileSize = 1 << 20

// ErrTooLarge is returned for a policy file over MaxFileSize.
var ErrTooLarge = errors.New("policy file too large")

// readPolicyFile reads a regular file of at most MaxFileSize bytes. The
// policy directory also holds kumoup's own module, so a symlink there is
// not followed. The read gives up when ctx is done.
func readPolicyFile(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link: kumoup reads policy files only as regular files (replace the link with the file)", path)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", path, ErrTooLarge, fi.Size(), MaxFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w (limit %d)", path, ErrTooLarge, MaxFileSize)
	}
	return b, ctx.Err()
}
