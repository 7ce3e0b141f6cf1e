package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ApplyOptions tune Plan.Apply. The zero value is right for a real host
// as root.
type ApplyOptions struct {
	// Progress, when set, is called after each file with its outcome (nil
	// error when it was written or needed nothing).
	Progress func(Change, error)
	// Now stamps backups; time.Now when nil.
	Now func() time.Time
	// SkipChown keeps the owner of written files (for --root as a
	// non-root user); modes are still set exactly.
	SkipChown bool
}

// Status is what happened to one file during Apply.
type Status int

// The statuses of a report. Every status but Written leaves the file (its
// content, mode and owner) exactly as it was before Apply.
const (
	// Kept: nothing to do, the file was already as rendered.
	Kept Status = iota
	// Written: the new content (or only the mode/owner) is in place. Err
	// may still be set when syncing its directory failed afterwards.
	Written
	// Failed: writing this file failed; the old file is intact.
	Failed
	// NotAttempted: an earlier failure (or cancellation) stopped Apply
	// before this file; the old file is intact.
	NotAttempted
)

func (s Status) String() string {
	switch s {
	case Written:
		return "written"
	case Failed:
		return "FAILED (left as it was)"
	case NotAttempted:
		return "not attempted (left as it was)"
	default:
		return "unchanged"
	}
}

// Outcome is what Apply did to one file.
type Outcome struct {
	Change Change
	Status Status
	// Backup is the path of the copy of the replaced file, if one was made.
	Backup string
	// Err is set for Failed.
	Err error
}

// Report is the result of Apply: one outcome per change, in plan order.
type Report struct {
	Outcomes []Outcome
	// RemovedTemps are the leftover temp files Apply deleted.
	RemovedTemps []string
}

// Changed is the number of files written.
func (r *Report) Changed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status == Written {
			n++
		}
	}
	return n
}

// Backups lists the backup files made.
func (r *Report) Backups() []string {
	var out []string
	for _, o := range r.Outcomes {
		if o.Backup != "" {
			out = append(out, o.Backup)
		}
	}
	return out
}

// Summary is one line: "2 changed, 4 unchanged" (and failures).
func (r *Report) Summary() string {
	var written, kept, untouched int
	for _, o := range r.Outcomes {
		switch o.Status {
		case Written:
			written++
		case Kept:
			kept++
		default:
			untouched++
		}
	}
	s := fmt.Sprintf("%d changed, %d unchanged", written, kept)
	if untouched > 0 {
		s += fmt.Sprintf(", %d left as they were after a failure", untouched)
	}
	return s
}

// Render writes the report for a human, one line per file.
func (r *Report) Render(w io.Writer) error {
	var b strings.Builder
	for _, o := range r.Outcomes {
		fmt.Fprintf(&b, "%-9s %s\n", o.Word(), o.Change.File.Path)
		if n := o.BackupNote(); n != "" {
			fmt.Fprintf(&b, "          %s\n", n)
		}
		if o.Err != nil {
			fmt.Fprintf(&b, "          %v\n", o.Err)
		}
	}
	for _, t := range r.RemovedTemps {
		fmt.Fprintf(&b, "removed   %s  (temp file left by an interrupted run)\n", t)
	}
	fmt.Fprintf(&b, "applied: %s\n", r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// Word is the outcome in one word, as kumoup apply and the setup wizard's
// apply screen both print it: written, retired, unchanged, FAILED,
// untouched.
func (o Outcome) Word() string {
	if o.Change.Action == Retire && o.Status == Written {
		return "retired"
	}
	return shortStatus(o.Status)
}

// BackupNote says where the previous version went ("" when none was kept).
func (o Outcome) BackupNote() string {
	switch {
	case o.Backup == "":
		return ""
	case o.Change.Action == Retire:
		return "moved aside as " + o.Backup
	}
	return "previous version kept as " + o.Backup
}

func shortStatus(s Status) string {
	switch s {
	case Written:
		return "written"
	case Failed:
		return "FAILED"
	case NotAttempted:
		return "untouched"
	default:
		return "unchanged"
	}
}

// Apply writes the plan's changes in order, each atomically (see the
// package documentation), keeping a timestamped backup of every replaced
// file, and first removes temp files an interrupted run left behind. It
// stops at the first error: the report then says which files were written
// and which were left as they were; every target holds either its old or
// its new content.
//
// Without root, Apply refuses before touching anything unless SkipChown is
// set (the caller checked RequireRoot for a --root tree). While it runs it
// holds flock(2) locks: on its root's lock file (HostLockFile, or
// RootLockName under a --root tree), taken before any directory is
// created, then on the managed directories. A concurrent Apply waits up to
// two seconds for it, then returns an error wrapping ErrBusy, having
// touched nothing.
func (p *Plan) Apply(ctx context.Context, opt ApplyOptions) (_ *Report, err error) {
	chown := !opt.SkipChown
	if chown && !CanChown() {
		return nil, fmt.Errorf("%w: cannot give the files to root; run with sudo, or write under --root DIR", ErrNotRoot)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(Change, error) {}
	}
	locks, err := lockDirs(p)
	if err != nil {
		return nil, err
	}
	defer locks.release()
	r := &Report{}
	for _, c := range p.Changes {
		r.Outcomes = append(r.Outcomes, Outcome{Change: c, Status: NotAttempted})
	}
	if p.layout != nil {
		// Record what was written, also when Apply stops early (still
		// holding the locks).
		defer func() {
			if serr := recordState(context.WithoutCancel(ctx), *p.layout, r, chown, now()); serr != nil && err == nil {
				err = serr
			}
		}()
	}
	for _, t := range p.Leftovers {
		if err := os.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return r, fmt.Errorf("remove leftover temp file %s: %w", t, err)
		}
		r.RemovedTemps = append(r.RemovedTemps, t)
	}
	for i, c := range p.Changes {
		o := &r.Outcomes[i]
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("apply stopped before %s: %w", c.File.Path, err)
		}
		if !c.Changed() {
			o.Status = Kept
			progress(c, nil)
			continue
		}
		backup, inPlace, err := applyChange(c, chown, now)
		o.Backup = backup
		if err != nil {
			o.Status, o.Err = Failed, err
			if inPlace {
				o.Status = Written
			}
			progress(c, err)
			return r, fmt.Errorf("%s (%s): %w", c.File.Name, c.File.Path, err)
		}
		o.Status = Written
		progress(c, nil)
	}
	return r, nil
}

// applyChange makes one change. inPlace reports, with an error, that the
// target nevertheless holds its new content.
func applyChange(c Change, chown bool, now func() time.Time) (backup string, inPlace bool, err error) {
	f := c.File
	if c.Action == Retire {
		backup, err = retireFile(f.Path, chown, now())
		return backup, false, err
	}
	if err := ensureDir(rootOf(f), filepath.Dir(f.Path), f.DirMode, f.UID, f.GID, chown); err != nil {
		return "", false, err
	}
	if c.Action == Update && c.Diff == "" && c.ModeChange {
		return "", false, fixModeInPlace(f, chown)
	}
	if c.Action == Update || c.Action == Create {
		// A Create whose target appeared since planning (another apply
		// finished in between) keeps a backup of it too.
		backup, err = writeBackup(c, chown, now())
		if err != nil {
			return backup, false, err
		}
	}
	err = writeAtomic(writeSpec{path: f.Path, content: f.Content, mode: f.Mode, uid: f.UID, gid: f.GID, chown: chown})
	var ip *inPlaceError
	return backup, errors.As(err, &ip), err
}

// fixModeInPlace gives an unchanged file its owner and mode (owner first:
// a secret file leaves a stranger's hands before anything else), through
// a descriptor opened without following a link: a link swapped in since
// planning is refused, its target left alone.
func fixModeInPlace(f File, chown bool) error {
	fh, err := os.OpenFile(f.Path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s to fix its mode: %w", f.Path, err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is no longer a regular file: move it away and re-run", f.Path)
	}
	if chown {
		if err := fh.Chown(f.UID, f.GID); err != nil {
			return fmt.Errorf("chown %s: %w", f.Path, err)
		}
	}
	if err := fh.Chmod(f.Mode); err != nil {
		return fmt.Errorf("chmod %s to %04o: %w", f.Path, f.Mode, err)
	}
	return nil
}

// BackupMode is the mode of every backup kumoup makes (owned by root:root).
const BackupMode fs.FileMode = 0o600

// BackupName is the backup path of path at t: NAME.kumoup-backup-20261122T004512Z.
func BackupName(path string, t time.Time) string {
	return path + BackupInfix + t.UTC().Format("20060102T150405Z")
}

// writeBackup copies the file being replaced next to it, atomically,
// owned by root:root with mode 0600 whatever the original's owner and mode
// were (the old version may hold a secret, and a stranger who owned the
// original must not keep a copy of it). A backup never overwrites another:
// a second one in the same second gets a suffix.
func writeBackup(c Change, chown bool, t time.Time) (string, error) {
	name := freeBackupName(c.File.Path, t)
	// Back up what is there now (the plan may be minutes old).
	cur, err := planFile(c.File, false, nil)
	if err != nil {
		return "", fmt.Errorf("back up before replacing: %w", err)
	}
	if cur.Action == Create {
		return "", nil // gone meanwhile: nothing to keep
	}
	err = writeAtomic(writeSpec{path: name, content: cur.old, mode: BackupMode, uid: RootUID, gid: RootGID, chown: chown})
	var ip *inPlaceError
	if errors.As(err, &ip) {
		// The backup exists but may not be durable: do not replace the file.
		return name, fmt.Errorf("back up before replacing: %w", ip.err)
	}
	if err != nil {
		return "", fmt.Errorf("back up before replacing: %w", err)
	}
	return name, nil
}
