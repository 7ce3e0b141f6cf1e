package writer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
)

// StateFilePath is where kumoup records what its last apply wrote: one
// entry per managed file (path, sha256, mode, owner), root-only because the
// masked copies it keeps still show the files' structure.
const StateFilePath = "/etc/kumoup/state.json"

// StateFile is the state file under the layout's root.
func (l Layout) StateFile() string { return l.Path(StateFilePath) }

// stateVersion is the format of the state file; a file of another version
// is ignored (and rewritten by the next apply).
const stateVersion = 1

// FileRecord is what kumoup wrote to one managed file.
type FileRecord struct {
	// Path is the host path (under the layout's root: Layout.Path(Path)).
	Path string `json:"path"`
	// Name says what the file is for ("nginx site").
	Name string `json:"name"`
	// SHA256 is the hex digest of the content written.
	SHA256 string `json:"sha256"`
	// Mode is the permission bits, in octal ("0600").
	Mode string `json:"mode"`
	// UID and GID own the file as written.
	UID int `json:"uid"`
	GID int `json:"gid"`
	// Written is when the apply that wrote (or confirmed) it ran.
	Written time.Time `json:"written"`
	// Masked is the content written with every secret masked (its
	// fingerprint shown instead): what a hand edit is compared with.
	Masked string `json:"masked"`
}

// Perm is Mode as permission bits (0 when it does not parse).
func (r FileRecord) Perm() fs.FileMode {
	n, err := strconv.ParseUint(r.Mode, 8, 32)
	if err != nil {
		return 0
	}
	return fs.FileMode(n).Perm()
}

// State is the content of the state file.
type State struct {
	Version int          `json:"version"`
	Files   []FileRecord `json:"files"`
}

// Record returns the record of host path p, if any.
func (s State) Record(p string) (FileRecord, bool) {
	i := slices.IndexFunc(s.Files, func(r FileRecord) bool { return r.Path == p })
	if i < 0 {
		return FileRecord{}, false
	}
	return s.Files[i], true
}

// ErrNoState is wrapped by ReadState when kumoup has recorded nothing
// under the layout yet (no apply since state files exist).
var ErrNoState = errors.New("no record of what kumoup wrote")

// ReadState reads the state file under l with fsread.ReadOwn: a regular
// file of at most fsread.ConfigLimit, never through a symbolic link. A missing file wraps ErrNoState;
// a file that does not parse, or of another version, is an error naming it
// and the fix (kumoup apply rewrites it).
func ReadState(ctx context.Context, l Layout) (State, error) {
	path := l.StateFile()
	data, err := fsread.ReadOwn(ctx, path, fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, fmt.Errorf("%w at %s: the next kumoup apply records the files it writes", ErrNoState, path)
	}
	if err != nil {
		return State{}, fmt.Errorf("read %s: %w%s", path, err, rootHint(err))
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("%s does not parse (%v): kumoup apply rewrites it", path, err)
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("%s is version %d, this kumoup reads version %d: kumoup apply rewrites it", path, s.Version, stateVersion)
	}
	return s, nil
}

// hostPath is path (under l's root) as a host path: the inverse of
// Layout.Path. A path outside the root is returned as it is.
func hostPath(l Layout, path string) string {
	if l.IsHost() {
		return path
	}
	parts, err := below(rootOf(File{Root: l.Root}), path)
	if err != nil {
		return path
	}
	return "/" + strings.Join(parts, "/")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// recordState updates the state file under l with what Apply did: every
// file written or found already as rendered is recorded as it is now on
// disk (its owner read back, since --root keeps the caller's), every
// retired file forgotten; failed and untouched files keep their previous
// record. The state file is written like the managed files (atomically,
// 0600 root:root from the first instant).
func recordState(ctx context.Context, l Layout, r *Report, chown bool, now time.Time) error {
	s, err := ReadState(ctx, l)
	if err != nil {
		s = State{} // unreadable or missing: this apply starts it afresh
	}
	s.Version = stateVersion
	for _, o := range r.Outcomes {
		if o.Status != Written && o.Status != Kept {
			continue
		}
		f := o.Change.File
		p := hostPath(l, f.Path)
		s.Files = slices.DeleteFunc(s.Files, func(r FileRecord) bool { return r.Path == p })
		if o.Change.Action == Retire {
			continue
		}
		rec := FileRecord{
			Path: p, Name: f.Name, SHA256: sha256Hex(f.Content),
			Mode: fmt.Sprintf("%04o", f.Mode), UID: f.UID, GID: f.GID, Written: now.UTC(),
			Masked: string(maskSecrets(f.Content, allSecrets(f.Secrets, f.Content))),
		}
		if fi, err := os.Lstat(f.Path); err == nil {
			rec.Mode = fmt.Sprintf("%04o", fi.Mode().Perm())
			rec.UID, rec.GID, _ = fileOwner(fi)
		}
		s.Files = append(s.Files, rec)
	}
	slices.SortFunc(s.Files, func(a, b FileRecord) int { return strings.Compare(a.Path, b.Path) })
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("record what was written in %s: %w", l.StateFile(), err)
	}
	if err := writePrivate(l, l.StateFile(), append(data, '\n'), chown); err != nil {
		return fmt.Errorf("record what was written in %s (the files themselves are written): %w", l.StateFile(), err)
	}
	return nil
}

// writePrivate writes content to path, a file of kumoup's own under l
// (the state file, the pending webhook token): its directory created
// without following a link, the file written atomically, 0600 root:root
// (when chown) from the first instant.
func writePrivate(l Layout, path string, content []byte, chown bool) error {
	if err := ensureDir(rootOf(File{Root: l.Root}), filepath.Dir(path), 0, RootUID, RootGID, chown); err != nil {
		return err
	}
	return writeAtomic(writeSpec{path: path, content: content, mode: 0o600, uid: RootUID, gid: RootGID, chown: chown})
}

// allSecrets is secrets and those found in content by their shape.
func allSecrets(secrets []string, content []byte) []string {
	return slices.Concat(secrets, secretsIn(content))
}
