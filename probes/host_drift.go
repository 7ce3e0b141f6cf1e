package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// checkFilesDrift: every file kumoup's last apply wrote (the state file
// records path, sha256, mode and owner) is still as written. A changed
// file warns (kumoup diff shows how, kumoup apply restores it keeping the
// edit as a backup); a missing or replaced file fails.
func checkFilesDrift(ctx context.Context, t *Target) Result {
	if err := ctx.Err(); err != nil {
		return Skip("%v", err)
	}
	drift, err := writer.CheckDrift(ctx, t.Layout)
	switch {
	case errors.Is(err, writer.ErrNoState):
		return Skip("no record of what kumoup wrote (%s): the next %s records it", t.Layout.StateFile(), writer.ApplyCommand(t.Layout))
	case errors.Is(err, fs.ErrPermission):
		return Skip("cannot read what kumoup wrote: %s (run kumoup status as root)", t.redact(err.Error()))
	case err != nil:
		return Fail(writer.ApplyCommand(t.Layout)+" rewrites the state file and the managed files", "%s", t.redact(err.Error()))
	}
	var gone, changed []string
	for _, d := range drift {
		switch {
		case d.Missing || d.NotRegular:
			gone = append(gone, fmt.Sprintf("%s (%s)", d.Path, d.What()))
		case d.Changed():
			changed = append(changed, fmt.Sprintf("%s (%s)", d.Path, d.What()))
		}
	}
	n := len(drift)
	if len(gone) > 0 {
		detail := fmt.Sprintf("%d of %d managed files gone since the last apply: %s", len(gone), n, strings.Join(gone, ", "))
		if len(changed) > 0 {
			detail += fmt.Sprintf("; %d changed by hand: %s", len(changed), strings.Join(changed, ", "))
		}
		return Fail(writer.Command(t.Layout, "diff")+" shows what is missing; "+writer.ApplyCommand(t.Layout)+" writes it again", "%s", detail)
	}
	if len(changed) > 0 {
		return Warn(writer.Command(t.Layout, "diff")+" shows the changes (secrets masked); "+writer.ApplyCommand(t.Layout)+" restores the files, keeping each edited one as a backup",
			"%d of %d managed files changed by hand since the last apply: %s", len(changed), n, strings.Join(changed, ", "))
	}
	return Pass("all %d managed files as the last apply wrote them (%s)", n, t.Layout.StateFile())
}

// checkTokenRotation: a rotation of the injection token ends within its
// grace period (nginx accepting a retired token longer is a second live
// token), and a new webhook token does not wait for the app forever.
func checkTokenRotation(ctx context.Context, t *Target) Result {
	d, now := t.Deployment, t.now()
	var notes []string
	if _, since, err := writer.PendingWebhook(ctx, t.Layout); err == nil {
		notes = append(notes, fmt.Sprintf("a new webhook token waits since %s for %s", since.UTC().Format("2006-01-02 15:04 MST"), writer.Command(t.Layout, "rotate", "webhook", "--confirm-app-accepts")))
	}
	if !d.Rotating() {
		if len(notes) > 0 {
			return Pass("no rotation of the injection token in progress; %s", strings.Join(notes, "; "))
		}
		return Pass("no token rotation in progress")
	}
	until := d.RetiredUntil()
	status := d.RotationStatus()
	if len(notes) > 0 {
		status += "; " + strings.Join(notes, "; ")
	}
	if now.Before(until) {
		return Pass("%s (retired %s, %s)", status, d.RetiredAt.UTC().Format("2006-01-02 15:04 MST"), model.Fingerprint(d.RetiredInjectionToken))
	}
	return Warn("once the app sends the new token: "+writer.Command(t.Layout, "rotate", "injection", "--finish")+" (or "+writer.ApplyCommand(t.Layout)+"), then nginx -t && systemctl reload nginx",
		"the retired injection token (%s) is still accepted %s past its grace period, which ended %s",
		model.Fingerprint(d.RetiredInjectionToken), roundDuration(now.Sub(until)), until.UTC().Format("2006-01-02 15:04 MST"))
}

// roundDuration is d in days, hours or minutes, whichever reads best.
func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
}
