package writer

import (
	"context"
	"path/filepath"

	"github.com/kumoup/kumoup/internal/fsread"
)

// readOwn reads a file kumoup wrote under l (kumoup.yaml, the environment
// file, a token include, a file about to be replaced): no symlink at any
// level below the root, a regular file only, at most limit bytes (see
// internal/fsread). The reads are bounded and cannot block, so they take
// no context.
func readOwn(root, path string, limit int64) ([]byte, error) {
	if err := checkDirs(rootOf(File{Root: root}), filepath.Dir(path)); err != nil {
		return nil, err
	}
	return fsread.ReadOwn(context.Background(), path, limit)
}
