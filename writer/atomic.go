package writer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempPrefix starts the name of every temp file kumoup creates; a run
// removes those an interrupted run left in the directories it manages.
const TempPrefix = ".kumoup-tmp-"

// BackupInfix separates a file's name from the timestamp of its backup:
// NAME.kumoup-backup-20261122T004512Z.
const BackupInfix = ".kumoup-backup-"

// Test hooks: afterTempCreate sees every temp file right after it is
// created (its mode before anything is written); step marks each point of
// a write where a crash test may kill the process. Nil in production.
var (
	// writeChunk is how much is written between steps.
	writeChunk = 1 << 20

	afterTempCreate func(path string)
	step            func(what string)
)

func mark(what string) {
	if step != nil {
		step(what)
	}
}

// writeSpec is one atomic replacement.
type writeSpec struct {
	path     string
	content  []byte
	mode     fs.FileMode
	uid, gid int
	chown    bool
}

// writeAtomic replaces w.path with w.content so that the path always names
// either the old or the new complete file. The temp file is created in the
// same directory with O_EXCL and mode 0600, written, synced, chowned,
// chmodded to the final mode, renamed over the target, and the directory
// synced.
func writeAtomic(w writeSpec) (err error) {
	dir, base := filepath.Split(w.path)
	tmp, f, err := fillTemp(dir, base, w.content)
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if err != nil && !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if w.chown {
		if err := f.Chown(w.uid, w.gid); err != nil {
			return fmt.Errorf("chown %s to %d:%d: %w", tmp, w.uid, w.gid, err)
		}
	}
	if err := f.Chmod(w.mode); err != nil {
		return fmt.Errorf("chmod %s to %04o: %w", tmp, w.mode, err)
	}
	mark("chmodded")
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		return fmt.Errorf("rename %s over %s: %w", tmp, w.path, err)
	}
	renamed = true
	mark("renamed")
	if err := syncDir(dir); err != nil {
		return &inPlaceError{err}
	}
	mark("dir synced")
	return nil
}

// inPlaceError is a failure after the new file was renamed into place: the
// target holds the new content, its durability is in doubt.
type inPlaceError struct{ err error }

func (e *inPlaceError) Error() string {
	return e.err.Error() + " (the new file is in place)"
}
func (e *inPlaceError) Unwrap() error { return e.err }

// fillTemp creates a temp file for base in dir (createTemp), writes
// content into it and syncs it, returning it still open. On error nothing
// is left behind: the descriptor is closed and the temp file removed (a
// full disk fails here, at any fill level).
func fillTemp(dir, base string, content []byte) (string, *os.File, error) {
	tmp, f, err := createTemp(dir, base)
	if err != nil {
		return "", nil, err
	}
	fail := func(err error) (string, *os.File, error) {
		f.Close()
		os.Remove(tmp)
		return "", nil, err
	}
	mark("created")
	chunk := writeChunk
	for off := 0; off < len(content); off += chunk {
		end := min(off+chunk, len(content))
		if _, err := f.Write(content[off:end]); err != nil {
			return fail(fmt.Errorf("write %s: %w", tmp, err))
		}
		mark("wrote")
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("sync %s: %w", tmp, err))
	}
	mark("synced")
	return tmp, f, nil
}

// createTemp creates an empty temp file for base in dir: O_EXCL, mode 0600
// from the first instant.
func createTemp(dir, base string) (string, *os.File, error) {
	for range 10 {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", nil, fmt.Errorf("temp name: %w", err)
		}
		name := filepath.Join(dir, TempPrefix+base+"-"+hex.EncodeToString(r[:]))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create temp file in %s: %w", dir, err)
		}
		if afterTempCreate != nil {
			afterTempCreate(name)
		}
		return name, f, nil
	}
	return "", nil, fmt.Errorf("create temp file in %s: too many name collisions", dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s to sync it: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// leftoverTemps lists the temp files an interrupted run left in dir.
func leftoverTemps(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s for leftover temp files: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), TempPrefix) && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}
