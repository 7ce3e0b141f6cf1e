package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// ErrBusy is wrapped by Apply when another kumoup is applying to the same
// directories.
var ErrBusy = errors.New("another kumoup apply is running")

// HostLockFile is the apply lock on a real host; under a --root tree the
// lock is RootLockName in the root itself. Either exists before the first
// directory kumoup creates, so two applies into a fresh tree exclude each
// other too.
const (
	HostLockFile = "/run/kumoup.lock"
	RootLockName = ".kumoup.lock"
)

// dirLocks holds flock(2) locks: the plan's root locks first, then its
// existing directories, so that two applies never interleave their files
// or remove each other's temp files.
type dirLocks []*os.File

// lockFileFor is the apply lock of the layout rooted at root ("/" for the
// host).
func lockFileFor(root string) string {
	if root == "/" {
		return HostLockFile
	}
	return filepath.Join(root, RootLockName)
}

// lockDirs takes an exclusive lock on the lock file of each root of the
// plan (creating the root of a --root tree when it does not exist yet;
// waiting up to rootLockWait for another apply to finish), then a
// non-blocking one on each existing directory of the plan (in sorted
// order).
func lockDirs(p *Plan) (dirLocks, error) {
	var locks dirLocks
	var roots []string
	for _, c := range p.Changes {
		roots = append(roots, rootOf(c.File))
	}
	slices.Sort(roots)
	for _, root := range slices.Compact(roots) {
		f, err := openLockFile(root)
		if err != nil {
			locks.release()
			return nil, err
		}
		if err := flockWait(f, root, rootLockWait); err != nil {
			locks.release()
			return nil, err
		}
		locks = append(locks, f)
	}
	for _, d := range p.dirs() {
		f, err := os.OpenFile(d, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP) {
			continue // writing into it fails with a clear message, file by file
		}
		if err != nil {
			locks.release()
			return nil, fmt.Errorf("open %s to lock it: %w", d, err)
		}
		if err := flock(f, d); err != nil {
			locks.release()
			return nil, err
		}
		locks = append(locks, f)
	}
	return locks, nil
}

// openLockFile opens (creating, mode 0600) the lock file of root, never
// through a symlink.
func openLockFile(root string) (*os.File, error) {
	if root != "/" {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("create the root %s: %w", root, err)
		}
	}
	name := lockFileFor(root)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the apply lock %s: %w (remove it if it is not a plain file, and re-run)", name, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("the apply lock %s is not a plain file: remove it and re-run", name)
	}
	return f, nil
}

// rootLockWait is how long an apply waits for another one holding its
// root's lock to finish before it gives up with ErrBusy: long enough for a
// quick apply (a deploy hook, a re-run with nothing to change), short
// enough that an operator is told at once about a long one.
const rootLockWait = 2 * time.Second

// flockWait locks f exclusively, retrying for up to wait while another
// process holds it; f is closed on failure.
func flockWait(f *os.File, what string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return lockFailed(f, what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flock locks f exclusively without waiting; f is closed on failure.
func flock(f *os.File, what string) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return lockFailed(f, what, err)
	}
	return nil
}

// lockFailed closes f and says why it could not be locked: ErrBusy when
// another apply holds it.
func lockFailed(f *os.File, what string, err error) error {
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return fmt.Errorf("%w on %s: wait for it to finish, then re-run", ErrBusy, what)
	}
	return fmt.Errorf("lock %s: %w", what, err)
}

func (l dirLocks) release() {
	for _, f := range l {
		f.Close() // closing drops the flock
	}
}
