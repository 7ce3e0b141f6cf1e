package writer

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Publish replaces path with content atomically (a temp file in the same
// directory, synced, given mode, renamed over path): a reader such as
// node_exporter's textfile collector sees the old file or the new one,
// never a half-written one. The directory must exist; a symlink at path is
// replaced, not followed. When running as root the file is root's.
func Publish(path string, content []byte, mode fs.FileMode) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("output file %q: %w", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return fmt.Errorf("output file %s: its directory %s does not exist: create it first", abs, filepath.Dir(abs))
	}
	if fi, err := os.Lstat(abs); err == nil && fi.IsDir() {
		return fmt.Errorf("output file %s is a directory: give a file name inside it", abs)
	}
	return writeAtomic(writeSpec{path: abs, content: content, mode: mode, uid: RootUID, gid: RootGID, chown: os.Geteuid() == 0})
}
