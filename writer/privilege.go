package writer

import (
	"errors"
	"fmt"
	"os"
)

// geteuid is os.Geteuid; tests replace it to act as a non-root user.
var geteuid = os.Geteuid

// ErrNotRoot is returned (wrapped) by RequireRoot.
var ErrNotRoot = errors.New("not running as root")

// RequireRoot returns nil when kumoup may write l: as root, or under a
// --root directory (then files keep their modes but not root ownership).
// Otherwise it returns an error wrapping ErrNotRoot that says why and how
// to proceed, before anything is touched.
func RequireRoot(l Layout) error {
	if geteuid() == 0 || !l.IsHost() {
		return nil
	}
	return fmt.Errorf("%w: kumoup writes root-only files (%s is 0600 root:root) and must chown them to root; run it with sudo, or pass --root DIR to write the tree under DIR instead", ErrNotRoot, EnvFilePath)
}

// CanChown reports whether files can be given to their owner (root).
func CanChown() bool { return geteuid() == 0 }

// IsHost reports whether the layout is the real file system (no --root).
func (l Layout) IsHost() bool { return l.Root == "" || l.Root == "/" }
