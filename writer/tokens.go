package writer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// Environment variables that may carry the tokens for kumoup apply.
const (
	EnvInjectionToken = "KUMOUP_INJECTION_TOKEN"
	EnvWebhookToken   = "KUMOUP_WEBHOOK_TOKEN"
)

// TokenOrigin says where a token came from.
type TokenOrigin int

// Where ResolveTokens found a token, in the order it looks.
const (
	FromFile        TokenOrigin = iota + 1 // injection_token_file / webhook_token_file
	FromEnvironment                        // KUMOUP_INJECTION_TOKEN / KUMOUP_WEBHOOK_TOKEN
	FromDisk                               // the deployment already written (a re-run)
	Generated                              // a new random token
)

// TokenSource is where one token came from; it never holds the token.
type TokenSource struct {
	Origin TokenOrigin
	// Where is the file or variable it was read from.
	Where string
}

func (s TokenSource) String() string {
	switch s.Origin {
	case FromFile:
		return "read from " + s.Where
	case FromEnvironment:
		return "read from $" + s.Where
	case FromDisk:
		return "kept from " + s.Where
	case Generated:
		return "generated (256 random bits)"
	}
	return "unknown"
}

// TokenSources says where each token came from.
type TokenSources struct {
	Injection, Webhook TokenSource
	// Retired says what became of the injection token a rotation retired
	// ("" when no rotation is in progress): still accepted until when, or
	// dropped because its grace period ended.
	Retired string
}

// ResolveTokens returns a's deployment with both tokens set, each from the
// first of: its token file (a root-only file; content trimmed of one
// trailing newline), its environment variable (looked up with getenv), the
// deployment already on disk under l (so a re-run keeps the app's tokens),
// or a freshly generated one. A token file readable by group or others is
// refused with the chmod that fixes it. Tokens are not validated here;
// model.Deployment.Validate does that.
func ResolveTokens(a model.Answers, getenv func(string) string, l Layout) (model.Deployment, TokenSources, error) {
	d := a.Deployment
	var src TokenSources
	// The token include on disk, read once: the injection token when no
	// file or variable gives one, and the rotation in progress.
	ti, where, incErr := tokenIncludeOnDisk(a.Domain, l)
	var err error
	d.InjectionToken, src.Injection, err = resolveToken("injection_token_file", a.InjectionTokenFile, EnvInjectionToken, getenv, func() (string, string, error) {
		return ti.current, where, incErr
	})
	if err != nil {
		return d, src, err
	}
	if incErr != nil {
		return d, src, incErr
	}
	src.Retired, err = keepRetired(&d, a, ti, where, time.Now())
	if err != nil {
		return d, src, err
	}
	d.WebhookToken, src.Webhook, err = resolveToken("webhook_token_file", a.WebhookTokenFile, EnvWebhookToken, getenv, func() (string, string, error) {
		return webhookTokenOnDisk(l)
	})
	return d, src, err
}

func resolveToken(field, file, envName string, getenv func(string) string, onDisk func() (string, string, error)) (string, TokenSource, error) {
	if file != "" {
		tok, err := ReadTokenFile(field, file)
		return tok, TokenSource{FromFile, file}, err
	}
	if v := getenv(envName); v != "" {
		return v, TokenSource{FromEnvironment, envName}, nil
	}
	tok, where, err := onDisk()
	if err != nil {
		return "", TokenSource{}, err
	}
	if tok != "" {
		return tok, TokenSource{FromDisk, where}, nil
	}
	tok, err = model.NewToken()
	return tok, TokenSource{Origin: Generated}, err
}

// ReadTokenFile reads the token in the file at path (one trailing newline
// trimmed), refusing a file that is not regular, is empty, or that group or
// others can read (the error gives the chmod that fixes it). field names
// the setting or flag in errors ("webhook_token_file", "--token-file");
// no error holds the token.
func ReadTokenFile(field, path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		// A token pasted where the path belongs is not echoed.
		return "", fmt.Errorf("%s: %s: %w", field, fsread.ShowPath(path), errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: %s is not a regular file", field, path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s: %s is readable by group or others (mode %04o): a token must be private; run chmod 600 %s", field, path, perm, path)
	}
	data, err := fsread.Read(context.Background(), path, fsread.TokenFileLimit)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty: write the token into it, or drop %s to have one generated", field, path, field)
	}
	return s, nil
}

// keepRetired carries a rotation in progress on disk (ti, the token
// include read from where) into d: the retired
// injection token stays while its grace period (d's token_grace) runs and
// is dropped once it is over, which is how the next apply finishes a
// rotation. A token given in a file or the environment that is not the
// rotation's new token is refused while the rotation runs: applying it
// would drop the new token the app may already use (or, for the retired
// one, undo the rotation).
func keepRetired(d *model.Deployment, a model.Answers, ti tokenInclude, where string, now time.Time) (string, error) {
	if ti.retired == "" {
		return "", nil
	}
	field := "injection_token_file"
	if a.InjectionTokenFile == "" {
		field = "$" + EnvInjectionToken
	}
	switch d.InjectionToken {
	case ti.current:
	case ti.retired:
		return "", fmt.Errorf("%s holds the injection token that kumoup rotate injection retired on %s (%s): put the new token there, or drop %s to keep the token on this host", field, ti.retiredAt.UTC().Format(time.RFC3339), where, field)
	default:
		return "", fmt.Errorf("%s sets a new injection token while a rotation is in progress (%s): finish it first with kumoup rotate injection --finish, or drop %s to keep the token on this host", field, where, field)
	}
	until := ti.retiredAt.Add(d.Grace())
	if !now.Before(until) {
		return fmt.Sprintf("dropped (retired %s, its grace period ended %s)", ti.retiredAt.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339)), nil
	}
	d.RetiredInjectionToken, d.RetiredAt = ti.retired, ti.retiredAt
	return fmt.Sprintf("still accepted until %s (%s)", until.UTC().Format(time.RFC3339), model.Fingerprint(ti.retired)), nil
}

// tokenIncludeOnDisk reads the token include of domain, or of the domain
// kumoup.yaml names (when the domain is being changed): the first that
// exists and holds a token, with its path.
func tokenIncludeOnDisk(domain string, l Layout) (tokenInclude, string, error) {
	candidates := []string{}
	if model.ValidateDomain(domain) == nil {
		candidates = append(candidates, domain)
	}
	// An unreadable kumoup.yaml only means no earlier domain to look at.
	if prev, _ := recordedDomain(l); prev != "" && prev != domain {
		candidates = append(candidates, prev)
	}
	for _, dom := range candidates {
		path := l.TokenFile(dom)
		ti, err := readTokenEntries(l.Root, path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return tokenInclude{}, "", err
		}
		if ti.current != "" {
			return ti, path, nil
		}
	}
	return tokenInclude{}, "", nil
}

func webhookTokenOnDisk(l Layout) (string, string, error) {
	vars, err := readEnvFile(l.Root, l.EnvFile())
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return vars[model.EnvWebhookToken], l.EnvFile(), nil
}
