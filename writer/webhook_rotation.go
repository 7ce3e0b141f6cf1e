package writer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// PendingWebhookPath holds, during a rotation of the webhook token, the
// new token the app has been given but kumod does not send yet (0600
// root:root). kumod sends one token, so it switches only once the
// operator confirms that the app accepts the new one.
const PendingWebhookPath = "/etc/kumoup/webhook-token.pending"

// PendingWebhookFile is PendingWebhookPath under the layout's root.
func (l Layout) PendingWebhookFile() string { return l.Path(PendingWebhookPath) }

// ErrWebhookRotationInProgress is wrapped by StartWebhookRotation when a
// new webhook token is already waiting for the app.
var ErrWebhookRotationInProgress = errors.New("a rotation of the webhook token is in progress")

// ErrNoWebhookRotation is wrapped by PendingWebhook when no new webhook
// token is waiting.
var ErrNoWebhookRotation = errors.New("no rotation of the webhook token is in progress")

// PendingWebhook returns the new webhook token waiting for the operator's
// confirmation and since when it waits. With none it returns an error
// wrapping ErrNoWebhookRotation. The file must be a regular file private
// to its owner; the error never holds the token.
func PendingWebhook(ctx context.Context, l Layout) (string, time.Time, error) {
	path := l.PendingWebhookFile()
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", time.Time{}, fmt.Errorf("%w: kumoup rotate webhook starts one", ErrNoWebhookRotation)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%s: %w%s", path, err, rootHint(err))
	}
	if perm := fi.Mode().Perm(); fi.Mode().IsRegular() && perm&0o077 != 0 {
		return "", time.Time{}, fmt.Errorf("%s is readable by group or others (mode %04o): the token in it may have leaked; run kumoup rotate webhook --cancel, then start again", path, perm)
	}
	data, err := fsread.ReadOwn(ctx, path, fsread.TokenFileLimit)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("pending webhook token: %w%s", err, rootHint(err))
	}
	tok := strings.TrimSpace(string(data))
	if err := model.ValidateToken(tok); err != nil {
		return "", time.Time{}, fmt.Errorf("%s does not hold a valid token (%v): run kumoup rotate webhook --cancel, then start again", path, err)
	}
	return tok, fi.ModTime(), nil
}

// StartWebhookRotation stores token as the pending webhook token (0600
// root:root, written atomically). It refuses, wrapping
// ErrWebhookRotationInProgress, when one is already pending.
func StartWebhookRotation(ctx context.Context, l Layout, token string) error {
	if err := NoWebhookRotation(ctx, l); err != nil {
		return err
	}
	if err := writePrivate(l, l.PendingWebhookFile(), []byte(token+"\n"), CanChown()); err != nil {
		return fmt.Errorf("store the new webhook token: %w", err)
	}
	return nil
}

// NoWebhookRotation returns nil when no new webhook token is pending
// under l, else an error (wrapping ErrWebhookRotationInProgress when one
// is) that says how to finish or drop it: what refuses a second rotation,
// in kumoup rotate and in the setup's token page alike.
func NoWebhookRotation(ctx context.Context, l Layout) error {
	_, since, err := PendingWebhook(ctx, l)
	switch {
	case errors.Is(err, ErrNoWebhookRotation):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%w since %s: once the app accepts the new token, run kumoup rotate webhook --confirm-app-accepts (or --cancel to drop it)", ErrWebhookRotationInProgress, since.UTC().Format("2006-01-02 15:04 MST"))
}

// CancelWebhookRotation forgets the pending webhook token. Without one it
// returns an error wrapping ErrNoWebhookRotation.
func CancelWebhookRotation(l Layout) error {
	path := l.PendingWebhookFile()
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: nothing to cancel", ErrNoWebhookRotation)
		}
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// Only keeps the plan's changes of the files at paths (and the leftover
// temp files of their directories): a rotation rewrites its one file and
// leaves the others, hand edits included, as they are.
func (p *Plan) Only(paths ...string) {
	p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return !slices.Contains(paths, c.File.Path) })
	dirs := p.dirs()
	p.Leftovers = slices.DeleteFunc(p.Leftovers, func(t string) bool { return !slices.Contains(dirs, filepath.Dir(t)) })
}

// PlanRotation plans a step of a token rotation: next (validated) written
// into the one file at path, the token include for the injection token or
// the environment file for the webhook token. The other files stay as
// they are, hand edits included; Apply records the file in the state file.
func PlanRotation(next model.Deployment, l Layout, path string) (*Plan, error) {
	if err := next.Validate().Err(); err != nil {
		return nil, err
	}
	p, err := PlanFor(next, l)
	if err != nil {
		return nil, err
	}
	p.Only(path)
	return p, nil
}
