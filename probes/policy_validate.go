package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"time"

	"github.com/kumoup/kumoup/internal/capbuf"
	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/internal/redact"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// PackageEnvFile is the environment file kumomta.service itself loads
// (EnvironmentFile=-/opt/kumomta/etc/kumod.env), before kumoup's drop-in.
const PackageEnvFile = "/opt/kumomta/etc/kumod.env"

// ValidateTimeout bounds `kumod --validate`.
const ValidateTimeout = 2 * time.Minute

// validateOutputLimit bounds what is kept of kumod's output.
const validateOutputLimit = 64 << 10

// ValidateOptions tune ValidatePolicy.
type ValidateOptions struct {
	// User is kumod's --user when run as root (the unit's "kumod"), so the
	// policy is read as the service reads it.
	User string
}

// Validation is what `kumod --validate` said.
type Validation struct {
	// Argv is the command run (it never holds a secret).
	Argv []string
	// EnvFiles are the environment files loaded, in order.
	EnvFiles []string
	// OK: kumod exited 0.
	OK bool
	// Output is kumod's output, secrets masked.
	Output string
}

// ValidatePolicy runs `kumod --validate --policy init.lua` with the
// environment kumomta.service gives kumod: the package's
// /opt/kumomta/etc/kumod.env when present, then kumoup's environment file
// (its drop-in loads it after), parsed as systemd's EnvironmentFile= does.
// The values go into the child's environment, never its argv. A kumod that
// runs but rejects the policy is not an error: Validation.OK is false.
func ValidatePolicy(ctx context.Context, l writer.Layout, opt ValidateOptions) (Validation, error) {
	var v Validation
	bin := l.Kumod()
	if _, err := os.Stat(bin); errors.Is(err, fs.ErrNotExist) {
		return v, fmt.Errorf("%s is not installed: install KumoMTA %s or later", bin, model.MinKumoVersion)
	}
	env := map[string]string{}
	for _, f := range []struct {
		path     string
		optional bool
	}{{l.Path(PackageEnvFile), true}, {l.EnvFile(), false}} {
		b, err := fsread.ReadOwn(ctx, f.path, fsread.ConfigLimit)
		if errors.Is(err, fs.ErrNotExist) && f.optional {
			continue
		}
		if err != nil {
			return v, fmt.Errorf("environment file: %w (write it with %s)", err, writer.ApplyCommand(l))
		}
		vars, err := model.ParseEnv(b)
		if err != nil {
			return v, fmt.Errorf("environment file %s: %w", f.path, err)
		}
		maps.Copy(env, vars)
		v.EnvFiles = append(v.EnvFiles, f.path)
	}
	v.Argv = []string{bin, "--validate", "--policy", l.PolicyInit()}
	if os.Geteuid() == 0 {
		user := opt.User
		if user == "" {
			user = "kumod"
		}
		v.Argv = append(v.Argv, "--user", user)
	}
	ctx, cancel := context.WithTimeout(ctx, ValidateTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.Argv[0], v.Argv[1:]...)
	// systemd starts services with a clean environment plus the files.
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	for k, val := range env {
		cmd.Env = append(cmd.Env, k+"="+val)
	}
	out := capbuf.New(validateOutputLimit)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	v.Output = redact.New(env[model.EnvWebhookToken]).String(out.String())
	var exit *exec.ExitError
	switch {
	case err == nil:
		v.OK = true
	case errors.As(err, &exit) && ctx.Err() == nil:
		v.OK = false
	default:
		return v, fmt.Errorf("run %s --validate: %w", bin, err)
	}
	return v, nil
}
