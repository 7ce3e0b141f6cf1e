package fsread

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test when f takes longer than d (a FIFO would block
// forever in os.ReadFile).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still reading after %s", d)
	}
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func sparse(t *testing.T, size int64, tail string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size - int64(len(tail))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(tail), size-int64(len(tail))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestReadReturnsARegularFileWithinTheLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "token")
	os.WriteFile(p, []byte("abc\n"), 0o600)
	for _, read := range []func(context.Context, string, int64) ([]byte, error){Read, ReadOwn} {
		b, err := read(context.Background(), p, 4)
		if err != nil || string(b) != "abc\n" {
			t.Fatalf("got %q, %v; want the content", b, err)
		}
	}
}

func TestReadRefusesHostileFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", zero)
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte(strings.Repeat("SeCrEtToKeN", 10)), 0o600)
	cases := []struct {
		name  string
		path  string
		limit int64
		want  error
		text  string
	}{
		{"fifo", fifo, ConfigLimit, ErrNotRegular, "a FIFO"},
		{"symlink to /dev/zero", zero, ConfigLimit, ErrNotRegular, "a character device"},
		{"directory", dir, ConfigLimit, ErrNotRegular, "a directory"},
		{"sparse gibibyte", sparse(t, 1<<30, "x"), ConfigLimit, ErrTooLarge, "1 MiB"},
		{"one byte over", secret, 109, ErrTooLarge, "109 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() {
				within(t, 2*time.Second, func() { _, err = Read(context.Background(), c.path, c.limit) })
			})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) || !strings.Contains(err.Error(), c.path) {
				t.Fatalf("err = %v; want %v naming %q and the path", err, c.want, c.text)
			}
			if strings.Contains(err.Error(), "SeCrEt") {
				t.Fatalf("error quotes the content: %v", err)
			}
			if n > 512<<10 {
				t.Fatalf("allocated %d bytes to refuse it", n)
			}
		})
	}
}

func TestReadOnAFileGrowingPastTheLimitStopsAtTheLimit(t *testing.T) {
	// /proc files report size 0 and are read to EOF: the bound must still hold.
	_, err := Read(context.Background(), "/proc/self/maps", 16)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v; want ErrTooLarge", err)
	}
}

func TestReadOwnRefusesASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("x"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if _, err := ReadOwn(context.Background(), link, 10); !errors.Is(err, ErrSymlink) {
		t.Fatalf("ReadOwn(link) err = %v; want ErrSymlink", err)
	}
	if b, err := Read(context.Background(), link, 10); err != nil || string(b) != "x" {
		t.Fatalf("Read(link) = %q, %v; want the target's content", b, err)
	}
}

func TestReadStopsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("x"), 0o600)
	if _, err := Read(ctx, p, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	if _, err := Tail(ctx, p, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("Tail err = %v; want context.Canceled", err)
	}
}

func TestTailReadsOnlyTheEnd(t *testing.T) {
	p := sparse(t, 1<<30, "the last line\n")
	var b []byte
	var err error
	n := allocated(func() {
		within(t, 2*time.Second, func() { b, err = Tail(context.Background(), p, 64<<10) })
	})
	if err != nil || len(b) != 64<<10 || !bytes.HasSuffix(b, []byte("the last line\n")) {
		t.Fatalf("Tail = %d bytes ending %q, %v; want the last 64 KiB", len(b), b[max(0, len(b)-20):], err)
	}
	if n > 1<<20 {
		t.Fatalf("allocated %d bytes for a 64 KiB tail", n)
	}
	small := filepath.Join(t.TempDir(), "small")
	os.WriteFile(small, []byte("abc"), 0o600)
	if b, err := Tail(context.Background(), small, 10); err != nil || string(b) != "abc" {
		t.Fatalf("Tail(small) = %q, %v", b, err)
	}
	if _, err := Tail(context.Background(), "/dev/zero", 10); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Tail(/dev/zero) err = %v; want ErrNotRegular", err)
	}
}

func TestAMissingPathThatLooksLikeATokenIsNotEchoed(t *testing.T) {
	for _, tok := range []string{"q1Zr8mXyT0kP3vW9sLbN2cHdE5fGjA7uIoR4eY6tQwM", "Tok/with+slash0123456789==", "/root/answers/q1Zr8mXyT0kP3vW9sLbN2cHdE5fGjA7uIoR4eY6tQwM"} {
		_, err := Read(context.Background(), tok, TokenFileLimit)
		if err == nil || strings.Contains(err.Error(), tok) || !strings.Contains(err.Error(), NotFound) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v; want %s without the token, wrapping fs.ErrNotExist", err, NotFound)
		}
	}
	for _, path := range []string{"/etc/kumoup/injection.token", "tokens/injection.token", "./kumoup-answers", "short", "Injection2Token2026.token"} {
		if ShowPath(path) != path {
			t.Errorf("ShowPath(%q) = %q; want the path", path, ShowPath(path))
		}
		full := filepath.Join(t.TempDir(), path)
		_, err := Read(context.Background(), full, 10)
		if err == nil || !strings.Contains(err.Error(), full) {
			t.Errorf("err = %v; want the path named", err)
		}
	}
}
