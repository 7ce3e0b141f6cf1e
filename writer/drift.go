package writer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/kumoup/kumoup/internal/fsread"
)

// Drift is how one managed file differs from what kumoup's last apply
// wrote (its record in the state file).
type Drift struct {
	Record FileRecord
	// Path is the file on disk (under the layout's root).
	Path string
	// Missing: the file is gone. NotRegular: it is now something else
	// (a symbolic link, a directory), named by Kind.
	Missing, NotRegular bool
	Kind                string
	// Content, Mode and Owner say what changed; NowMode, NowUID and NowGID
	// are the file's mode and owner now.
	Content, Mode, Owner bool
	NowMode              fs.FileMode
	NowUID, NowGID       int
	// now is the content on disk (for the diff); unexported: it may hold
	// secrets.
	now []byte
}

// Changed reports whether the file is not as kumoup wrote it.
func (d Drift) Changed() bool {
	return d.Missing || d.NotRegular || d.Content || d.Mode || d.Owner
}

// What says in a few words what changed: "content", "mode 0644 (was
// 0600)", "owner 1000:1000 (was root:root)", "deleted", "replaced by a
// symbolic link", joined with "and".
func (d Drift) What() string {
	switch {
	case d.Missing:
		return "deleted"
	case d.NotRegular:
		return "replaced by a " + d.Kind
	}
	var parts []string
	if d.Content {
		parts = append(parts, "content")
	}
	if d.Mode {
		parts = append(parts, fmt.Sprintf("mode %04o (was %s)", d.NowMode, d.Record.Mode))
	}
	if d.Owner {
		parts = append(parts, fmt.Sprintf("owner %s (was %s)", owner(d.NowUID, d.NowGID), owner(d.Record.UID, d.Record.GID)))
	}
	return strings.Join(parts, " and ")
}

// Diff is the hand edit as a unified diff, from what kumoup wrote to what
// is on disk now, every secret masked: those given (the deployment's
// tokens), those found by shape in the file now, and those masked in the
// record already. Empty when the content did not change.
func (d Drift) Diff(secrets []string) string {
	if !d.Content {
		return ""
	}
	now := maskSecrets(d.now, allSecrets(secrets, d.now))
	return udiff.Unified(d.Path+" (last applied)", d.Path+" (on disk now)", d.Record.Masked, string(now))
}

// CheckDrift compares every file the state file under l records with the
// disk, in the state file's order. It reads each file with fsread.ReadOwn
// (regular only, never through a symbolic link, bounded, tied to ctx); a
// file it cannot read is an error. The error wraps ErrNoState when nothing is
// recorded.
func CheckDrift(ctx context.Context, l Layout) ([]Drift, error) {
	s, err := ReadState(ctx, l)
	if err != nil {
		return nil, err
	}
	var out []Drift
	for _, rec := range s.Files {
		d, err := driftOf(ctx, l.Path(rec.Path), rec)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

func driftOf(ctx context.Context, path string, rec FileRecord) (Drift, error) {
	d := Drift{Record: rec, Path: path}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		d.Missing = true
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("%s (%s): %w%s", rec.Name, path, err, rootHint(err))
	}
	if !fi.Mode().IsRegular() {
		d.NotRegular, d.Kind = true, fileKind(fi.Mode())
		return d, nil
	}
	uid, gid, _ := fileOwner(fi)
	now, err := fsread.ReadOwn(ctx, path, fsread.ConfigLimit)
	if err != nil {
		return d, fmt.Errorf("%s: %w%s", rec.Name, err, rootHint(err))
	}
	return compareRecord(rec, path, now, fi.Mode().Perm(), uid, gid), nil
}

// compareRecord is how a regular file at path, now holding content now
// with mode and owner uid:gid, differs from rec.
func compareRecord(rec FileRecord, path string, now []byte, mode fs.FileMode, uid, gid int) Drift {
	return Drift{
		Record: rec, Path: path, now: now, NowMode: mode, NowUID: uid, NowGID: gid,
		Content: sha256Hex(now) != rec.SHA256,
		Mode:    mode != rec.Perm(),
		Owner:   uid != rec.UID || gid != rec.GID,
	}
}

// track ties the plan to l's state file: Apply records what it writes,
// and each change of a file changed by hand since the last apply gets its
// HandEdit and HandDiff. A state file that is missing or unreadable only
// means there is nothing to compare with (this apply rewrites it).
func (p *Plan) track(l Layout) {
	p.layout = &l
	s, err := ReadState(context.Background(), l)
	if err != nil {
		return
	}
	var secrets []string
	for _, c := range p.Changes {
		secrets = append(secrets, c.File.Secrets...)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == Retire {
			continue
		}
		rec, ok := s.Record(hostPath(l, c.File.Path))
		if !ok {
			continue
		}
		if c.Action == Create {
			c.HandEdit = "deleted"
			continue
		}
		d := compareRecord(rec, c.File.Path, c.old, c.OldMode, c.OldUID, c.OldGID)
		if !d.Changed() {
			continue
		}
		c.HandEdit = d.What()
		c.HandDiff = d.Diff(secrets)
	}
}

// keptNote says what becomes of a hand-edited file when the plan applies.
func keptNote(c Change) string {
	switch {
	case c.Action == Create:
		return "; applying writes it again"
	case c.Action == Update && c.Diff != "":
		return "; applying replaces it and keeps the edited file as a backup"
	case c.Action == Update:
		return "; applying restores the mode and owner"
	}
	return "; applying leaves it as it is (it matches what kumoup writes now)"
}
