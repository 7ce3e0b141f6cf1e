package kumopolicy

import (
	"context"

	"github.com/kumoup/kumoup/internal/fsread"
)

// MaxFileSize bounds every policy file read: init.lua and what it requires.
const MaxFileSize = fsread.ConfigLimit

// readPolicyFile reads a regular file of at most MaxFileSize bytes through
// fsread. The policy directory also holds kumoup's own module, so a symlink
// there is not followed (fsread.ReadOwn). The read stops when ctx is done.
func readPolicyFile(ctx context.Context, path string) ([]byte, error) {
	return fsread.ReadOwn(ctx, path, MaxFileSize)
}
