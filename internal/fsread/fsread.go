package fsread

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// Size limits that fit the files kumoup reads.
const (
	// TokenFileLimit bounds a token file (--token-file, *_token_file): one
	// token and a newline.
	TokenFileLimit = 4 << 10
	// ConfigLimit bounds kumoup.yaml, the environment file, the token
	// include and the other configuration files kumoup reads back (nginx
	// site, policy, unit files, a CA bundle).
	ConfigLimit = 1 << 20
	// TailLimit bounds how much of the end of a log-like file (a shell
	// history) is read.
	TailLimit = 1 << 20
)

// chunk is how much is read between two looks at the context.
const chunk = 64 << 10

var (
	// ErrNotRegular is wrapped when the path is a FIFO, a device, a socket
	// or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is wrapped when the file is larger than the limit.
	ErrTooLarge = errors.New("file too large")
	// ErrSymlink is wrapped by ReadOwn when the path is a symlink.
	ErrSymlink = errors.New("is a symbolic link")
)

// Read returns the content of the regular file at path, at most limit
// bytes. A FIFO, device, socket or directory is refused without blocking; a
// larger file is refused with an error naming the limit; the read stops with
// ctx's error when ctx is done. A symlink to a regular file is followed.
func Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	return read(ctx, path, limit, 0)
}

// ReadOwn is Read for a file under kumoup's own directories: a symlink in
// the last component is refused (the directories above it are the caller's
// to check).
func ReadOwn(ctx context.Context, path string, limit int64) ([]byte, error) {
	return read(ctx, path, limit, syscall.O_NOFOLLOW)
}

// Tail returns the last limit bytes of the regular file at path (all of it
// when it is smaller), read in bounded chunks and stopping when ctx is
// done. Like Read, it refuses anything that is not a regular file.
func Tail(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, info, err := open(ctx, path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if off := info.Size() - limit; off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	b, err := readBounded(ctx, f, limit)
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

func read(ctx context.Context, path string, limit int64, flags int) ([]byte, error) {
	f, info, err := open(ctx, path, flags)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, tooLarge(path, limit)
	}
	b, err := readBounded(ctx, f, limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, tooLarge(path, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// open opens path without blocking (a FIFO with no writer would block a
// plain open) and checks, on the descriptor, that it is a regular file.
func open(ctx context.Context, path string, flags int) (*os.File, fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", ShowPath(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC|flags, 0)
	if err != nil {
		var errno syscall.Errno
		if flags&syscall.O_NOFOLLOW != 0 && errors.As(err, &errno) && errno == syscall.ELOOP {
			return nil, nil, fmt.Errorf("read %s: %w (kumoup does not follow links in its own files; replace the link with the file itself)", path, ErrSymlink)
		}
		if errors.Is(err, fs.ErrNotExist) && looksLikeToken(path) {
			return nil, nil, fmt.Errorf("read %s: %w (the value looks like a token, not a path: give the path of a file that holds the token)", ShowPath(path), fs.ErrNotExist)
		}
		return nil, nil, fmt.Errorf("read %s: %w", ShowPath(path), unwrapPathError(err))
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("read %s: %w", path, unwrapPathError(err))
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("read %s: %w (it is %s; give a plain file)", path, ErrNotRegular, kind(info.Mode()))
	}
	return f, info, nil
}

// readBounded reads f to EOF in chunks, checking ctx between chunks, and
// returns ErrTooLarge as soon as more than limit bytes are seen (reading at
// most limit+1 of them).
func readBounded(ctx context.Context, f *os.File, limit int64) ([]byte, error) {
	var out []byte
	buf := make([]byte, min(int64(chunk), limit+1))
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.Read(buf[:min(int64(len(buf)), limit+1-int64(len(out)))])
		out = append(out, buf[:n]...)
		if int64(len(out)) > limit {
			return out[:limit], ErrTooLarge
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, unwrapPathError(err)
		}
	}
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("read %s: %w (more than the %s this file may hold)", path, ErrTooLarge, size(limit))
}

// unwrapPathError drops the *fs.PathError layer (its text repeats the path,
// unmasked); the system error stays wrapped.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "not a plain file"
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// NotFound is what ShowPath shows in place of a path that looks like a
// token.
const NotFound = "<path not found>"

// ShowPath returns a path that could not be opened as it may appear in a
// message: the path itself, or NotFound when it looks like a token pasted
// where a path belongs (a bearer token must never be echoed, even as a file
// name). Build every error about an operator's path that failed to open or
// stat with it; a file that exists is shown by its path.
func ShowPath(path string) string {
	if looksLikeToken(path) {
		return NotFound
	}
	return path
}

// looksLikeToken reports whether path, or its last element (a token
// joined to a directory, as a relative *_token_file is), has a bearer
// token's shape rather than a path's.
func looksLikeToken(path string) bool {
	if tokenShaped(path) {
		return true
	}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return tokenShaped(path[i+1:])
	}
	return false
}

// tokenShaped reports whether s is at least 16 RFC 6750 b64token
// characters, does not start like a path ('/', '.', '~'), does not end in
// a file extension (".token", ".txt") and mixes at least two of upper
// case, lower case and digits (kumoup's tokens are base64url; file names
// are seldom mixed-case runs of 16 or more).
func tokenShaped(s string) bool {
	if len(s) < 16 || strings.ContainsAny(s[:1], "/.~") {
		return false
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i <= 6 && strings.Trim(s[i+1:], "abcdefghijklmnopqrstuvwxyz") == "" {
		return false
	}
	var upper, lower, digit bool
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case strings.ContainsRune("-._~+/", c):
		case c == '=' && strings.Trim(s[i:], "=") == "":
		default:
			return false
		}
	}
	n := 0
	for _, b := range []bool{upper, lower, digit} {
		if b {
			n++
		}
	}
	return n >= 2
}
