package acme

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/kumoup/kumoup/internal/capbuf"
	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// HostApply is Config.Apply for a host (or a --root tree): it writes d's
// files as kumoup apply renders them (writer.PlanWith: HTTP only
// while the certificate is missing), then, on a host, checks them with `nginx -t` and reloads
// nginx (starting it when it is not running). Under a --root tree there
// is no nginx to reload: it says so on progress. Progress gets one line
// per file written and the commands run.
func HostApply(l writer.Layout, progress io.Writer) func(ctx context.Context, d model.Deployment) error {
	return func(ctx context.Context, d model.Deployment) error {
		// Render as kumoup apply does, for the installed kumod and nginx
		// (apply warns when it cannot tell them).
		sw, _ := writer.DetectSoftware(ctx, l, d)
		plan, err := writer.PlanWith(d, l, sw)
		if err != nil {
			return err
		}
		if plan.Changed() > 0 || len(plan.Leftovers) > 0 {
			if _, err := plan.ApplyWithProgress(ctx, progress); err != nil {
				return err
			}
		}
		if !l.IsHost() {
			fmt.Fprintf(progress, "not reloading nginx: the files are under %s, not on this host\n", l.Root)
			return nil
		}
		if _, err := lookSbin("nginx"); err != nil {
			return &Failure{Kind: KindOther, Cause: "nginx is not installed", Fix: "`apt-get install -y nginx`, then run this again", Err: err}
		}
		// nginx quotes what it refuses ('unknown directive "..."'), and a
		// misplaced token include holds the tokens: they are masked.
		red := redact.New(d.InjectionToken, d.RetiredInjectionToken, d.WebhookToken)
		if err := run(ctx, progress, red, "nginx", "-t", "-q"); err != nil {
			return fmt.Errorf("nginx -t refused the configuration (the previous files are kept as backups next to them): %w", err)
		}
		return run(ctx, progress, red, writer.ThisHost.NginxReload(ctx)...)
	}
}

// runOutputLimit bounds what is kept of a command's output.
const runOutputLimit = 64 << 10

// run runs argv, its output (the first runOutputLimit bytes, secrets
// masked by red) on progress and, when it fails, in the error.
func run(ctx context.Context, progress io.Writer, red *redact.Redactor, argv ...string) error {
	fmt.Fprintf(progress, "$ %s\n", strings.Join(argv, " "))
	bin, err := lookSbin(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, argv[1:]...)
	buf := capbuf.New(runOutputLimit)
	cmd.Stdout, cmd.Stderr = buf, buf
	err = cmd.Run()
	out := red.String(buf.String())
	if len(out) > 0 {
		_, _ = io.WriteString(progress, out)
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(out))
	}
	return nil
}

// lookSbin finds a command in PATH, else in /usr/sbin and /sbin (often
// outside a sudo PATH).
func lookSbin(name string) (string, error) {
	bin, err := exec.LookPath(name)
	if err == nil || !errors.Is(err, exec.ErrNotFound) {
		return bin, err
	}
	for _, dir := range []string{"/usr/sbin/", "/sbin/"} {
		if fi, serr := os.Stat(dir + name); serr == nil && fi.Mode().IsRegular() {
			return dir + name, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, err)
}
