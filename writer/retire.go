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

	"github.com/kumoup/kumoup/model"
)

// RetirePreviousDomain adds a Retire change for the nginx site file and
// the token include kumoup wrote for the domain recorded in kumoup.yaml
// under l, when d has another domain (PlanFor calls it; a caller building
// its plan with NewPlan should too). They go before the kumoup.yaml change,
// so a run killed before the end still finds the old domain next time.
func (p *Plan) RetirePreviousDomain(d model.Deployment, l Layout) error {
	data, err := os.ReadFile(l.AnswersFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s to find the previous domain: %w", l.AnswersFile(), err)
	}
	prev, err := model.ParseAnswers(data)
	if err != nil || prev.Domain == d.Domain || model.ValidateDomain(prev.Domain) != nil {
		// An unreadable kumoup.yaml is replaced by this run; its domain
		// cannot be trusted to name files to move.
		return nil
	}
	var retire []Change
	for _, f := range []struct{ name, path string }{
		{"nginx site of the previous domain " + prev.Domain, l.SiteFile(prev.Domain)},
		{"nginx token include of the previous domain " + prev.Domain, l.TokenFile(prev.Domain)},
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
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			c.OldUID, c.OldGID = int(st.Uid), int(st.Gid)
			c.File.UID, c.File.GID = c.OldUID, c.OldGID
		}
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

// retireFile moves path aside to a fresh backup name in the same
// directory (one atomic rename: mode and owner stay, a secret stays 0600)
// and syncs the directory.
func retireFile(path string, t time.Time) (string, error) {
	name := BackupName(path, t)
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", BackupName(path, t), i)
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
