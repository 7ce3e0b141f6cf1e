package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/kumoup/kumoup/internal/fsread"
)

// dirPrefix starts the name of every demo's temporary directory.
const dirPrefix = "kumoup-demo-"

// ownerFile, inside a demo's directory, names the process that made it:
// its pid and its start time (field 22 of /proc/PID/stat), so a pid reused
// by another process does not pass for the owner.
const ownerFile = "owner"

// processStart is the start time of process pid, in clock ticks since
// boot, "" when there is no such process.
func processStart(pid int) string {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 of the whole line
}

// writeOwner records this process as dir's owner.
func writeOwner(dir string) error {
	pid := os.Getpid()
	owner := fmt.Sprintf("%d %s\n", pid, processStart(pid))
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644)
}

// ownerGone reports whether dir's recorded owner has exited. A directory
// with no owner file, or one that cannot be read, is never taken for
// stale: it may be another demo's, starting.
func ownerGone(dir string) bool {
	b, err := fsread.ReadOwn(context.Background(), filepath.Join(dir, ownerFile), 128)
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return false
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil || pid <= 0 {
		return false
	}
	return processStart(pid) != fields[1]
}

// nginxRunning reports whether the nginx of a demo directory still runs
// (its master outlived a killed demo): the directory is then still in use.
func nginxRunning(dir string) bool {
	b, err := fsread.Read(context.Background(), filepath.Join(dir, hostDir, "nginx", "nginx.pid"), 64)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && pid > 0 && processStart(pid) != ""
}

// RemoveStale removes the demo directories in parent (os.TempDir() when
// empty) whose owner process is gone: those a demo killed with SIGKILL
// left behind. Only directories of this user, not symlinks, with an owner
// file, and without a running nginx, are removed. It returns the
// directories removed.
func RemoveStale(parent string) ([]string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, fmt.Errorf("demo: list %s for stale demo directories: %w", parent, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), dirPrefix) || e.Type() != fs.ModeDir {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		if !ownerGone(dir) || nginxRunning(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("demo: remove the stale %s: %w", dir, err))
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}
