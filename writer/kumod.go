package writer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"time"

	"github.com/kumoup/kumoup/internal/capbuf"
	"github.com/kumoup/kumoup/model"
)

// KumodPath is where the KumoMTA package installs kumod.
const KumodPath = "/opt/kumomta/sbin/kumod"

// KumodTimeout bounds `kumod --version`.
const KumodTimeout = 10 * time.Second

// Kumod is kumod under the layout's root.
func (l Layout) Kumod() string { return l.Path(KumodPath) }

// ErrKumodMissing says kumod is not installed under the layout.
var ErrKumodMissing = errors.New("kumod is not installed")

// DetectKumod runs `kumod --version` (the one under the layout's root) and
// parses what it prints. It returns ErrKumodMissing (wrapped) when there is
// no kumod.
func DetectKumod(ctx context.Context, l Layout) (model.KumoVersion, error) {
	bin := l.Kumod()
	fi, err := os.Stat(bin)
	if errors.Is(err, fs.ErrNotExist) {
		return model.KumoVersion{}, fmt.Errorf("%s: %w", bin, ErrKumodMissing)
	}
	if err != nil {
		return model.KumoVersion{}, fmt.Errorf("kumod %s: %w", bin, err)
	}
	if !fi.Mode().IsRegular() {
		return model.KumoVersion{}, fmt.Errorf("kumod %s is not a regular file", bin)
	}
	ctx, cancel := context.WithTimeout(ctx, KumodTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	out := capbuf.New(4096)
	cmd.Stdout = out
	if err := cmd.Run(); err != nil {
		return model.KumoVersion{}, fmt.Errorf("%s --version: %w", bin, err)
	}
	v, err := model.ParseKumoVersion(out.String())
	if err != nil {
		return model.KumoVersion{}, fmt.Errorf("%s --version: %w", bin, err)
	}
	return v, nil
}

// KumodNote is the warning for a kumod too old for what kumoup would
// render, or "" when there is none.
func KumodNote(d model.Deployment, v model.KumoVersion) string {
	if v.HasRequestBodyLimit() {
		return ""
	}
	return fmt.Sprintf("kumod %s is older than %s: the policy module leaves out request_body_limit (older kumod rejects the field and would not start its listener), so kumod's 2 MB default caps injections below nginx's client_max_body_size %s; fix: upgrade KumoMTA to %s or later, then run kumoup apply again",
		v, model.RequestBodyLimitSince, d.MaxBody, model.MinKumoVersion)
}

// Software is what is installed on the host that changes what kumoup
// renders: kumod's version (request_body_limit) and nginx's (the HTTP/2
// directive).
type Software struct {
	Kumod model.KumoVersion
	Nginx NginxVersion
}

// DetectSoftware asks the installed kumod and nginx their versions. What
// it cannot learn stays the zero value, which renders for current kumod and
// for the nginx form every supported release accepts; the warnings say what
// was not learnt and what the rendering lacks because of it.
func DetectSoftware(ctx context.Context, l Layout, d model.Deployment) (Software, []string) {
	var sw Software
	var warnings []string
	kumod, err := DetectKumod(ctx, l)
	if err != nil && !errors.Is(err, ErrKumodMissing) {
		warnings = append(warnings, fmt.Sprintf("%v; rendering for KumoMTA %s or later", err, model.MinKumoVersion))
	}
	sw.Kumod = kumod
	if note := KumodNote(d, kumod); note != "" {
		warnings = append(warnings, note)
	}
	// nginx missing is said by the preflight and host.nginx.config; here it
	// only means the site keeps the `listen ... http2` form.
	sw.Nginx, _ = DetectNginx(ctx)
	return sw, warnings
}
