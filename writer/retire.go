package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// RetirePreviousDomain adds a Retire change for the nginx site file and
// the token include kumoup wrote for the domain recorded in kumoup.yaml
// under l, when d has another domain (PlanFor calls it; a caller building
// its plan with NewPlan should too). They go before the kumoup.yaml change,
// so a run killed before the end still finds the old domain next time.
//
// It also ties the plan to l's state file (see drift.go): each change of a
// file changed by hand since the last apply says so (Change.HandEdit), and
// Apply records what it wrote.
func (p *Plan) RetirePreviousDomain(d model.Deployment, l Layout) error {
	p.track(l)
	prev, err := recordedDomain(l)
	if err != nil {
		return err
	}
	if prev == "" || prev == d.Domain {
		return nil
	}
	var retire []Change
	for _, f := range []struct{ name, path string }{
		{"nginx site of the previous domain " + prev, l.SiteFile(prev)},
		{"nginx token include of the previous domain " + prev, l.TokenFile(prev)},
	} {
		if err := checkDirs(rootOf(File{Root: l.Root}), filepath.Dir(f.path)); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		fi, err := os.Lstat(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: %s is a %s, not a regular file: move it away and re-run", f.name, f.path, fileKind(fi.Mode()))
		}
		c := Change{File: File{Name: f.name, Path: f.path, Root: l.Root, Mode: fi.Mode().Perm()}, Action: Retire, OldMode: fi.Mode().Perm()}
		c.OldUID, c.OldGID, _ = fileOwner(fi)
		c.File.UID, c.File.GID = c.OldUID, c.OldGID
		retire = append(retire, c)
	}
	at := len(p.Changes)
	for i, c := range p.Changes {
		if c.File.Path == l.AnswersFile() {
			at = i
		}
	}
	p.Changes = slices.Insert(p.Changes, at, retire...)
	return nil
}

// recordedDomain is the domain kumoup.yaml under l records: "" when there
// is no kumoup.yaml, or when it does not parse or names no valid domain
// (this run replaces such a file; its domain cannot be trusted to name
// files). Only a failure to read an existing file is an error.
func recordedDomain(l Layout) (string, error) {
	data, err := readOwn(l.Root, l.AnswersFile(), fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find the previous domain: %w", err)
	}
	prev, err := model.ParseAnswers(data)
	if err != nil || model.ValidateDomain(prev.Domain) != nil {
		return "", nil
	}
	return prev.Domain, nil
}

// freeBackupName is BackupName(path, t), or, when that exists already,
// the first of its "-1", "-2"... variants that does not: a backup never
// overwrites another.
func freeBackupName(path string, t time.Time) string {
	name := BackupName(path, t)
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", BackupName(path, t), i)
	}
}

// retireFile moves path aside to a fresh backup name in the same
// directory (one atomic rename), first giving it to root:root with mode
// 0600 like every backup (when chown; the mode in any case), and syncs
// the directory.
func retireFile(path string, chown bool, t time.Time) (string, error) {
	name := freeBackupName(path, t)
	if err := secureBackup(path, chown); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil // gone meanwhile: nothing to retire
		}
		return "", err
	}
	if err := os.Rename(path, name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil // gone meanwhile: nothing to retire
		}
		return "", fmt.Errorf("move %s aside: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return name, fmt.Errorf("moved %s aside to %s, but syncing the directory failed: %w", path, name, err)
	}
	return name, nil
}

// secureBackup gives the regular file at path (never following a link)
// to root:root when chown, and mode BackupMode, through one descriptor.
func secureBackup(path string, chown bool) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s to move it aside: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is a %s, not a regular file: move it away and re-run", path, fileKind(fi.Mode()))
	}
	if chown {
		if err := f.Chown(RootUID, RootGID); err != nil {
			return fmt.Errorf("chown %s before moving it aside: %w", path, err)
		}
	}
	if err := f.Chmod(BackupMode); err != nil {
		return fmt.Errorf("chmod %s before moving it aside: %w", path, err)
	}
	return nil
}
