package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

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
		c := Change{File: File{Name: f.name, Path: f.path, Mode: fi.Mode().Perm()}, Action: Retire, OldMode: fi.Mode().Perm()}
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
	data, err := os.ReadFile(l.AnswersFile())
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s to find the previous domain: %w", l.AnswersFile(), err)
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
// directory (one atomic rename: mode and owner stay, a secret stays 0600)
// and syncs the directory.
func retireFile(path string, t time.Time) (string, error) {
	name := freeBackupName(path, t)
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
