package main

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// rotateOptions are the flags of `kumoup rotate`. No token is ever a flag
// or an argument: kumoup makes the new one and shows it masked unless
// --reveal asks for it.
type rotateOptions struct {
	root    string
	finish  bool
	confirm bool
	cancel  bool
	reveal  bool
	dryRun  bool
	now     func() time.Time
}

func newRotateCmd() *cobra.Command {
	var opt rotateOptions
	cmd := &cobra.Command{
		Use:   "rotate injection|webhook",
		Short: "Replace a token without downtime",
		Long: `rotate replaces a token without a failed request in between.

injection: a new token is written into the nginx token include beside the
current one, which is marked retired: nginx accepts both for the grace
period (token_grace in the answers, default 7d). Reload nginx, give the app
the new token, then run rotate injection --finish (and reload nginx again):
only the new token is accepted. The first kumoup apply after the grace
period drops the old token too. A rotation is refused while one is in
progress.

webhook: kumod sends one token, so the order matters. rotate webhook makes
the new token and keeps it aside (/etc/kumoup/webhook-token.pending, 0600):
kumod still sends the old one. Make the app accept the new token as well
as the old, then run rotate webhook --confirm-app-accepts: the token goes
into /etc/default/kumomta and kumomta is restarted, so kumod sends the new
one. The app can then drop the old token. --cancel forgets a pending one.

New tokens are shown masked with their fingerprint; --reveal prints the new
token (for the app's configuration) on stdout.

On the host, kumoup reloads nginx (nginx -t first) after writing the token
include, and restarts kumomta after writing the environment file. Under
--root it prints those commands instead.

Exit status: 0 done, 1 a write or a reload failed, 2 refused (a rotation in
progress, none to finish, no deployment).`,
		Example: `  sudo kumoup rotate injection --reveal
  sudo kumoup rotate injection --finish
  sudo kumoup rotate webhook --reveal
  sudo kumoup rotate webhook --confirm-app-accepts`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"injection", "webhook"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRotate(cmd, args[0], opt)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.root, "root", "", "rotate in the tree under DIR instead of / (no root needed; nothing is reloaded)")
	f.BoolVar(&opt.finish, "finish", false, "injection: drop the retired token (the app sends the new one)")
	f.BoolVar(&opt.confirm, "confirm-app-accepts", false, "webhook: the app accepts the new token: switch kumod to it")
	f.BoolVar(&opt.cancel, "cancel", false, "webhook: forget the pending new token")
	f.BoolVar(&opt.reveal, "reveal", false, "print the new token on stdout (for the app's configuration)")
	f.BoolVar(&opt.dryRun, "dry-run", false, "show the plan, write nothing")
	return cmd
}

func runRotate(cmd *cobra.Command, which string, opt rotateOptions) error {
	if opt.now == nil {
		opt.now = time.Now
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	switch which {
	case "injection":
		if opt.confirm || opt.cancel {
			return usageError(errors.New("--confirm-app-accepts and --cancel are for rotate webhook; rotate injection takes --finish"))
		}
	case "webhook":
		if opt.finish {
			return usageError(errors.New("--finish is for rotate injection; rotate webhook takes --confirm-app-accepts or --cancel"))
		}
		if opt.confirm && opt.cancel {
			return usageError(errors.New("--confirm-app-accepts and --cancel exclude each other"))
		}
	default:
		return usageError(fmt.Errorf("rotate %q: say which token, injection or webhook", which))
	}
	if err := writer.RequireRoot(layout); err != nil {
		return usageError(err)
	}
	d, err := writer.Load(layout)
	if err != nil {
		return usageError(fmt.Errorf("read the deployment to rotate its token: %w", err))
	}
	if which == "injection" {
		return rotateInjection(cmd, d, layout, opt)
	}
	return rotateWebhook(cmd, d, layout, opt)
}

func rotateInjection(cmd *cobra.Command, d model.Deployment, l writer.Layout, opt rotateOptions) error {
	out := cmd.OutOrStdout()
	var next model.Deployment
	var err error
	if opt.finish {
		next, err = d.FinishRotation()
	} else {
		var tok string
		if tok, err = model.NewToken(); err != nil {
			return failure(err)
		}
		next, err = d.RotateInjection(tok, opt.now())
	}
	if err != nil {
		return usageError(err)
	}
	if err := writeRotation(cmd, next, l, l.TokenFile(d.Domain), opt.dryRun); err != nil {
		return err
	}
	if opt.dryRun {
		return nil
	}
	if opt.finish {
		fmt.Fprintf(out, "\nRotation finished: only the injection token %s is accepted once nginx reloads; the retired %s is refused.\n", model.Fingerprint(next.InjectionToken), model.Fingerprint(d.RetiredInjectionToken))
		return reloadNginx(cmd, l, "nginx refuses the retired token")
	}
	fmt.Fprintf(out, "\nInjection token rotated: %s\n", next.RotationStatus())
	printNewToken(out, "new injection token", next.InjectionToken, opt.reveal)
	fmt.Fprintf(out, "  retired token        %s (%s), accepted until %s\n", model.Mask(next.RetiredInjectionToken), model.Fingerprint(next.RetiredInjectionToken), next.RetiredUntil().UTC().Format(time.RFC3339))
	if err := reloadNginx(cmd, l, "nginx accepts both tokens"); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nNext steps")
	fmt.Fprintln(out, "  1. give the app the new token (the Auth secret of its KumoMTA connection)")
	fmt.Fprintln(out, "  2. once the app sends it: "+writer.Command(l, "rotate", "injection", "--finish"))
	fmt.Fprintf(out, "     (the first %s after %s drops the old token too)\n", writer.ApplyCommand(l), next.RetiredUntil().UTC().Format("2006-01-02 15:04 MST"))
	return nil
}

func rotateWebhook(cmd *cobra.Command, d model.Deployment, l writer.Layout, opt rotateOptions) error {
	out := cmd.OutOrStdout()
	switch {
	case opt.cancel:
		if opt.dryRun {
			return usageError(errors.New("--dry-run: --cancel only forgets the pending token; run it without --dry-run"))
		}
		if err := writer.CancelWebhookRotation(l); err != nil {
			if errors.Is(err, writer.ErrNoWebhookRotation) {
				return usageError(err)
			}
			return failure(err)
		}
		fmt.Fprintf(out, "Pending webhook token forgotten: kumod keeps sending %s.\n", model.Fingerprint(d.WebhookToken))
		return nil
	case opt.confirm:
		tok, _, err := writer.PendingWebhook(cmd.Context(), l)
		if err != nil {
			if errors.Is(err, writer.ErrNoWebhookRotation) {
				return usageError(err)
			}
			return failure(err)
		}
		old := d.WebhookToken
		d.WebhookToken = tok
		if err := writeRotation(cmd, d, l, l.EnvFile(), opt.dryRun); err != nil {
			return err
		}
		if opt.dryRun {
			return nil
		}
		if err := writer.CancelWebhookRotation(l); err != nil {
			return failure(fmt.Errorf("the new webhook token is in %s, but forgetting the pending one failed: %w", l.EnvFile(), err))
		}
		fmt.Fprintf(out, "\nWebhook token switched in %s: %s replaces %s.\n", l.EnvFile(), model.Fingerprint(tok), model.Fingerprint(old))
		if err := restartKumomta(cmd, l); err != nil {
			return err
		}
		fmt.Fprintln(out, "\nNext step: once the app receives events with the new token, it can stop accepting the old one.")
		return nil
	}
	tok, err := model.NewToken()
	if err != nil {
		return failure(err)
	}
	if d.InjectionToken == tok || d.RetiredInjectionToken == tok {
		return failure(errors.New("the new webhook token equals an injection token: run the command again"))
	}
	if opt.dryRun {
		fmt.Fprintf(out, "Dry run: a new webhook token would be kept in %s until --confirm-app-accepts; nothing written.\n", l.PendingWebhookFile())
		return nil
	}
	if err := writer.StartWebhookRotation(cmd.Context(), l, tok); err != nil {
		if errors.Is(err, writer.ErrWebhookRotationInProgress) {
			return usageError(err)
		}
		return failure(err)
	}
	fmt.Fprintf(out, "New webhook token kept in %s; kumod still sends %s.\n", l.PendingWebhookFile(), model.Fingerprint(d.WebhookToken))
	printNewToken(out, "new webhook token", tok, opt.reveal)
	fmt.Fprintln(out, "\nNext steps")
	fmt.Fprintln(out, "  1. make the app accept the new token as well as the current one")
	fmt.Fprintln(out, "  2. "+writer.Command(l, "rotate", "webhook", "--confirm-app-accepts")+" (writes it into "+l.EnvFile()+" and restarts kumomta)")
	fmt.Fprintln(out, "  3. once events arrive with the new token, the app can drop the old one")
	return nil
}

// printNewToken shows a new token masked with its fingerprint, or, with
// reveal, the token itself (the operator asked for it).
func printNewToken(w io.Writer, label, tok string, reveal bool) {
	if reveal {
		fmt.Fprintf(w, "  %-20s %s\n", label, tok)
		return
	}
	fmt.Fprintf(w, "  %-20s %s (%s); --reveal prints it\n", label, model.Mask(tok), model.Fingerprint(tok))
}

// writeRotation plans d for the one file at path (the others stay as they
// are, hand edits included), shows the plan and applies it.
func writeRotation(cmd *cobra.Command, d model.Deployment, l writer.Layout, path string, dryRun bool) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	plan, err := writer.PlanRotation(d, l, path)
	if err != nil {
		var invalid *model.InvalidError
		if errors.As(err, &invalid) {
			return usageError(err)
		}
		return failure(err)
	}
	if err := plan.Render(out); err != nil {
		return failure(err)
	}
	if dryRun {
		fmt.Fprintln(out, dryRunNote)
		return nil
	}
	report, err := plan.ApplyWithProgress(cmd.Context(), errw)
	if report != nil {
		_ = report.Render(out)
	}
	if err != nil {
		return failure(fmt.Errorf("rotation stopped: %w (the file is either as it was or fully written)", err))
	}
	return nil
}

// reloadNginx makes nginx read the token include: on the host nginx -t
// then systemctl reload nginx (a HUP: connections in flight finish on the
// old workers); under --root, the command to run.
func reloadNginx(cmd *cobra.Command, l writer.Layout, effect string) error {
	return runHost(cmd, l, effect, []string{"nginx", "-t"}, []string{"systemctl", "reload", "nginx"})
}

// restartKumomta makes kumod read the environment file.
func restartKumomta(cmd *cobra.Command, l writer.Layout) error {
	return runHost(cmd, l, "kumod sends the new webhook token", []string{"systemctl", "restart", "kumomta"})
}

func runHost(cmd *cobra.Command, l writer.Layout, effect string, steps ...[]string) error {
	out := cmd.OutOrStdout()
	var lines []string
	for _, s := range steps {
		lines = append(lines, strings.Join(s, " "))
	}
	line := strings.Join(lines, " && ")
	if !l.IsHost() {
		fmt.Fprintf(out, "  then: %s (%s)\n", line, effect)
		return nil
	}
	for _, s := range steps {
		// argv never holds a secret; tests under --root never get here.
		if o, err := exec.CommandContext(cmd.Context(), s[0], s[1:]...).CombinedOutput(); err != nil {
			return failure(fmt.Errorf("%s failed (%w): %s\nthe file is written; fix the problem, then run: %s", strings.Join(s, " "), err, o, line))
		}
	}
	fmt.Fprintf(out, "  ran: %s (%s)\n", line, effect)
	return nil
}
