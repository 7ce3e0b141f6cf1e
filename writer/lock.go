package writer

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrBusy is wrapped by Apply when another kumoup is applying to the same
// directories.
var ErrBusy = errors.New("another kumoup apply is running")

// dirLocks holds flock(2) locks on the plan's existing directories, so
// that two applies never remove each other's temp files.
type dirLocks []*os.File

// lockDirs takes an exclusive, non-blocking lock on each existing
// directory of the plan (in sorted order).
func lockDirs(p *Plan) (dirLocks, error) {
	var locks dirLocks
	for _, d := range p.dirs() {
		f, err := os.Open(d)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			locks.release()
			return nil, fmt.Errorf("open %s to lock it: %w", d, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			locks.release()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w on %s: wait for it to finish, then re-run", ErrBusy, d)
			}
			return nil, fmt.Errorf("lock %s: %w", d, err)
		}
		locks = append(locks, f)
	}
	return locks, nil
}

func (l dirLocks) release() {
	for _, f := range l {
		f.Close() // closing drops the flock
	}
}
