package writer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// ErrNoDeployment is wrapped by Load when kumoup has not written this host
// (no kumoup.yaml).
var ErrNoDeployment = errors.New("no deployment found")

// Load reads the deployment kumoup wrote under l: the non-secret answers
// from kumoup.yaml, the environment file's variables (the webhook token
// among them) and the injection token from the nginx token include. Every
// error names the file and the fix; when kumoup.yaml is missing the error
// wraps ErrNoDeployment. On a later error the deployment read so far is
// returned with it (defaults applied), so status screens can show what
// they know. Load does not validate: call Validate.
func Load(l Layout) (model.Deployment, error) {
	answersPath := l.AnswersFile()
	data, err := readOwn(l.Root, answersPath, fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return model.Deployment{}, fmt.Errorf("%w at %s: run kumoup setup or kumoup apply --answers FILE", ErrNoDeployment, answersPath)
	}
	if err != nil {
		return model.Deployment{}, fmt.Errorf("%w%s", err, rootHint(err))
	}
	a, err := model.ParseAnswers(data)
	if err != nil {
		return model.Deployment{}, fmt.Errorf("%s: %w: fix the file, or re-run kumoup apply --answers FILE to rewrite it", answersPath, err)
	}
	d := a.Deployment.WithDefaults()

	vars, err := readEnvFile(l.Root, l.EnvFile())
	if err != nil {
		return d, err
	}
	if p := d.ApplyEnv(vars); !p.OK() {
		return d, fmt.Errorf("%s: %w", l.EnvFile(), p.Err())
	}
	d = d.WithDefaults()

	ti, err := readTokenEntries(l.Root, l.TokenFile(d.Domain))
	if err != nil {
		return d, err
	}
	if ti.current == "" {
		return d, fmt.Errorf("%s holds no token line (\"~^Bearer \\Q<token>\\E$\" 1;): re-run kumoup apply to rewrite it", l.TokenFile(d.Domain))
	}
	d.InjectionToken = ti.current
	d.RetiredInjectionToken, d.RetiredAt = ti.retired, ti.retiredAt
	return d, nil
}

// readEnvFile parses the environment file at path, under root.
func readEnvFile(root, path string) (map[string]string, error) {
	data, err := readOwn(root, path, fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("environment file %s is missing: run kumoup apply --answers FILE to write it: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, rootHint(err))
	}
	vars, err := model.ParseEnv(data)
	if err != nil {
		// kumoup apply keeps the webhook token from this file, so it can
		// rewrite the file only when it is given the token another way.
		return nil, fmt.Errorf("%s: %w: fix the line, or rewrite the file with kumoup apply given the webhook token in webhook_token_file or $%s", path, err, EnvWebhookToken)
	}
	return vars, nil
}

// readTokenEntries reads the token include at path, under root (a
// regular file, bounded, no symbolic link at any level of kumoup's
// directories): its current token and, during a rotation, its retired one.
func readTokenEntries(root, path string) (tokenInclude, error) {
	data, err := readOwn(root, path, fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return tokenInclude{}, fmt.Errorf("token include %s is missing: run kumoup apply --answers FILE to write it: %w", path, err)
	}
	if err != nil {
		return tokenInclude{}, fmt.Errorf("%w%s", err, rootHint(err))
	}
	return parseTokenInclude(data), nil
}

func rootHint(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return ": the file is root-only; run kumoup with sudo"
	}
	return ""
}

// ReadAnswers reads and strictly parses an answers file (see
// model.ParseAnswers). Relative injection_token_file and webhook_token_file
// paths are taken relative to the answers file's directory. Errors name
// the file.
func ReadAnswers(path string) (model.Answers, error) {
	data, err := fsread.Read(context.Background(), path, fsread.ConfigLimit)
	if err != nil {
		return model.Answers{}, fmt.Errorf("answers file: %w", err)
	}
	a, err := model.ParseAnswers(data)
	if err != nil {
		return a, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&a.InjectionTokenFile, &a.WebhookTokenFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return a, nil
}
