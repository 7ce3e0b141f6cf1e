package acme

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// Step is one stage of Bootstrap.
type Step int

// The steps, in order.
const (
	StepSite     Step = iota // write the HTTP-only site and reload nginx
	StepChecks               // what the ACME server will check
	StepCertbot              // certbot certonly --webroot
	StepHook                 // the deploy hook that reloads nginx on renewal
	StepFullSite             // the full site, and nginx reloaded
)

var stepNames = [...]string{
	"serve port 80 (HTTP-only site, nginx reloaded)",
	"check the name and port 80 as the ACME server will",
	"obtain the certificate (certbot)",
	"renewal: deploy hook that reloads nginx",
	"write the full site and reload nginx",
}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("step(%d)", int(s))
}

// Steps lists every step in order.
func Steps() []Step { return []Step{StepSite, StepChecks, StepCertbot, StepHook, StepFullSite} }

// Event is progress: a step starting, a line of its output, or its end.
type Event struct {
	Step Step
	// Line is a line of output (certbot's, or a check's result); empty on
	// a step's start and end.
	Line string
	// Done marks the end of the step; Err is set when it failed.
	Done bool
	Err  error
}

// Config is one bootstrap.
type Config struct {
	// Deployment is the deployment on disk (writer.Load).
	Deployment model.Deployment
	// Layout is where its files are.
	Layout writer.Layout
	// Apply writes d's files as rendered now (HTTP only while the
	// certificate is missing: see writer.PlanFor), checks them with
	// `nginx -t` and reloads nginx. HostApply is the one for a host.
	Apply func(ctx context.Context, d model.Deployment) error
	// Target runs the pre-checks (its ConnectTo and Resolver are used).
	Target *probes.Target
	// BehindNAT: the operator confirms that the name's address forwards
	// to this host, which does not hold it.
	BehindNAT bool
	// Server is the ACME directory (LetsEncrypt when empty); Staging
	// picks LetsEncryptStaging instead.
	Server  string
	Staging bool
	// Email overrides Deployment.ACMEEmail when set.
	Email string
	// Certbot is the binary; Env is added to its environment.
	Certbot string
	Env     []string
	// HookReload is the command the deploy hook runs
	// (writer.DefaultReloadCommand when empty).
	HookReload string
	// Progress receives every event (may be nil).
	Progress func(Event)
}

// Result is what Bootstrap did.
type Result struct {
	// Already is set when the certificate existed: nothing was asked.
	Already bool
	// Certificate and Key are the files nginx now serves.
	Certificate, Key string
	// Hook is the deploy hook's path.
	Hook string
	// NoEmail is set when the account was registered without an address.
	NoEmail bool
}

// Bootstrap obtains the certificate of cfg.Deployment when it is missing:
// HTTP-only site and reload, the pre-checks, certbot, the deploy hook,
// then the full site and reload. On a failure before certbot has written
// the certificate the HTTP-only site stays in place, valid; the error is a
// *Failure when its cause is known.
func Bootstrap(ctx context.Context, cfg Config) (Result, error) {
	d := cfg.Deployment
	res := Result{Certificate: d.TLSCertificate, Key: d.TLSCertificateKey}
	emit := func(e Event) {
		if cfg.Progress != nil {
			cfg.Progress(e)
		}
	}
	step := func(s Step, run func() error) error {
		emit(Event{Step: s})
		err := run()
		emit(Event{Step: s, Done: true, Err: err})
		return err
	}
	if len(writer.CertificateMissing(d)) == 0 {
		res.Already = true
		return res, step(StepFullSite, func() error { return cfg.Apply(ctx, d) })
	}
	req, err := NewRequest(d, cfg.Layout)
	if err != nil {
		return res, err
	}
	req.Binary, req.Env = cfg.Certbot, cfg.Env
	req.Server = cfg.Server
	if cfg.Staging && req.Server == "" {
		req.Server = LetsEncryptStaging
	}
	if cfg.Email != "" {
		if err := model.ValidateACMEEmail(cfg.Email); err != nil {
			return res, fmt.Errorf("--email: %w", err)
		}
		req.Email = cfg.Email
	}
	res.NoEmail = req.Email == ""
	if _, err := FindCertbot(req.Binary); err != nil {
		return res, &Failure{Kind: KindNotInstalled, Cause: "certbot is not installed", Fix: "`apt-get install -y certbot`, then run this again", Err: err}
	}

	if err := step(StepSite, func() error {
		if err := cfg.Apply(ctx, d); err != nil {
			return err
		}
		return makeWebroot(req.Webroot, func(l string) { emit(Event{Step: StepSite, Line: l}) })
	}); err != nil {
		return res, fmt.Errorf("serve the HTTP-only site: %w", err)
	}
	if err := step(StepChecks, func() error { return preflight(ctx, cfg, emit) }); err != nil {
		return res, err
	}
	if err := step(StepCertbot, func() error {
		emit(Event{Step: StepCertbot, Line: "$ " + req.Command()})
		line := func(l string) {
			if strings.TrimSpace(l) != "" { // an empty Line is a step's start
				emit(Event{Step: StepCertbot, Line: l})
			}
		}
		if err := Obtain(ctx, req, line); err != nil {
			return err
		}
		if missing := writer.CertificateMissing(d); len(missing) > 0 {
			return fmt.Errorf("certbot succeeded but %s is still missing: read %s/letsencrypt.log", strings.Join(missing, ", "), req.LogsDir)
		}
		return nil
	}); err != nil {
		return res, err
	}
	if err := step(StepHook, func() error {
		hook, err := writer.RenderDeployHook(req.ConfigDir, cfg.HookReload)
		if err != nil {
			return err
		}
		plan, err := writer.NewPlan([]writer.File{hook})
		if err != nil {
			return err
		}
		if _, err := plan.Apply(ctx, writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
			return err
		}
		res.Hook = hook.Path
		emit(Event{Step: StepHook, Line: "wrote " + hook.Path + " (0755): " + firstCommand(hook.Content)})
		return nil
	}); err != nil {
		return res, fmt.Errorf("write the deploy hook: %w", err)
	}
	if err := step(StepFullSite, func() error { return cfg.Apply(ctx, d) }); err != nil {
		return res, fmt.Errorf("the certificate is at %s, but the full site could not be loaded: %w", d.TLSCertificate, err)
	}
	return res, nil
}

// makeWebroot creates the ACME webroot (0755, readable by nginx's
// workers) when it is missing, as on a fresh host: the pre-check places
// its probe file there, and certbot its challenges.
func makeWebroot(dir string, line func(string)) error {
	if fi, err := os.Lstat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("acme_webroot %s is not a directory: remove it, or set acme_webroot to a directory nginx may serve", dir)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("acme_webroot %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the ACME webroot %s (acme_webroot): %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("create the ACME webroot %s (acme_webroot): %w", dir, err)
	}
	line("created the ACME webroot " + dir + " (0755)")
	return nil
}

// firstCommand is the hook's command line (its last line).
func firstCommand(content []byte) string {
	lines := strings.Split(strings.TrimSpace(string(content)), "\n")
	return lines[len(lines)-1]
}

// preflight runs probes.ACMEPreflight and turns its first failure into a
// *Failure.
func preflight(ctx context.Context, cfg Config, emit func(Event)) error {
	if cfg.Target == nil {
		return errors.New("no target to check: report this as a kumoup bug")
	}
	t := *cfg.Target
	t.Deployment = cfg.Deployment
	for _, r := range probes.ACMEPreflight(ctx, &t, cfg.BehindNAT) {
		emit(Event{Step: StepChecks, Line: fmt.Sprintf("%s %s: %s", r.Status, r.Title, r.Detail)})
		if r.Status == probes.StatusPass {
			continue
		}
		kind := KindPort80
		if r.ID == "acme.name.local" {
			kind = KindName
		}
		cause, fix := r.Detail, r.Remedy
		if r.Status == probes.StatusSkip {
			cause = r.Title + ": could not check: " + r.Detail
		}
		if fix == "" {
			fix = "make the check possible, then try again"
		}
		return &Failure{Kind: kind, Cause: cause, Fix: fix + " (nothing was asked of the ACME server: a failed validation counts against its rate limits)"}
	}
	return nil
}
