package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// Names of the files SaveAnswers creates in its directory.
const (
	SavedAnswersName        = "kumoup-answers.yaml"
	SavedInjectionTokenName = "injection-token"
	SavedWebhookTokenName   = "webhook-token"
)

// DefaultSaveDir is the directory, under the user's home, where kumoup
// setup saves the answers when it may not write them (not root).
const DefaultSaveDir = "kumoup-answers"

// SaveAnswers saves d so that `sudo kumoup apply --answers PATH` (or
// kumoup proxy on the KumoProxy host) can finish what an unprivileged
// wizard may not write: the non-secret
// answers as an answers file (model.MarshalAnswers) whose
// injection_token_file and webhook_token_file name the token files next to
// it, and each token d holds in its own file. It returns the answers
// file's absolute path.
//
// dir is created 0700 when missing; an existing dir must be a directory
// the user owns that group and others cannot write. Every file is created
// 0600 with O_EXCL and put in place atomically (a complete temp file
// hard-linked to its name, so an existing file is never replaced): if any
// of the files already exists nothing is written and the error names it
// and the fix. On a later failure the files written so far are removed.
// No error holds a token.
func SaveAnswers(dir string, d model.Deployment) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("answers directory %s: %w", dir, err)
	}
	dir = abs
	if err := ensureSaveDir(dir); err != nil {
		return "", err
	}

	type file struct {
		name    string
		content []byte
	}
	var files []file
	yamlRefs := ""
	if d.InjectionToken != "" {
		files = append(files, file{SavedInjectionTokenName, []byte(d.InjectionToken + "\n")})
		yamlRefs += "injection_token_file: " + SavedInjectionTokenName + "\n"
	}
	if d.WebhookToken != "" {
		files = append(files, file{SavedWebhookTokenName, []byte(d.WebhookToken + "\n")})
		yamlRefs += "webhook_token_file: " + SavedWebhookTokenName + "\n"
	}
	answersPath := filepath.Join(dir, SavedAnswersName)
	body, err := model.MarshalAnswers(d)
	if err != nil {
		return "", err
	}
	header := "# Saved by kumoup, which may not write the files without root.\n" +
		"# Finish with: sudo kumoup apply --answers " + answersPath + "\n" +
		"# (on the KumoProxy host: sudo kumoup proxy --answers " + answersPath + ")\n"
	if yamlRefs != "" {
		header += "# The token files named below are relative to this file's directory.\n"
	}
	// The answers file comes last: once it exists, every file it names does.
	files = append(files, file{SavedAnswersName, append(append([]byte(header), body...), yamlRefs...)})

	var exist []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("check %s: %w", p, err)
		}
	}
	if len(exist) > 0 {
		return "", fmt.Errorf("%w: %s: kumoup never overwrites saved answers; move or remove them (or apply them with sudo kumoup apply --answers %s), then save again", fs.ErrExist, strings.Join(exist, ", "), answersPath)
	}

	var written []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := createExclusive(p, f.content); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return "", err
		}
		written = append(written, p)
	}
	if err := syncDir(dir); err != nil {
		return answersPath, &inPlaceError{err}
	}
	return answersPath, nil
}

// ensureSaveDir creates dir 0700 when missing, else checks it is a
// directory the user owns that group and others cannot write.
func ensureSaveDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return fmt.Errorf("create the parent of answers directory %s: %w", dir, err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			return fmt.Errorf("create answers directory %s: %w", dir, err)
		}
		// The umask may have taken bits away, never added: make it exact.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("chmod answers directory %s to 0700: %w", dir, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("answers directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("answers directory %s is not a directory: remove it or choose another directory", dir)
	}
	if uid, _, ok := fileOwner(fi); ok && uid != geteuid() {
		return fmt.Errorf("answers directory %s belongs to uid %d, not to you (uid %d): choose a directory you own", dir, uid, geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("answers directory %s is writable by group or others (mode %04o): run chmod 700 %s", dir, perm, dir)
	}
	return nil
}

// createExclusive puts content at path, which must not exist: a 0600 temp
// file is written and synced (fillTemp, as for writeAtomic), then hard-linked to path (which fails if
// path exists, so nothing is ever replaced) and unlinked. path names
// either nothing or the complete file.
func createExclusive(path string, content []byte) (err error) {
	dir, base := filepath.Split(path)
	tmp, f, err := fillTemp(dir, base, content)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared while saving: kumoup never overwrites it; move it away and save again: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}
