package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Config says how the demo runs. The zero value is the full demo: nginx
// when installed, the wizard first, everything removed at the end.
type Config struct {
	// Dir is where the demo's temporary directory is made ("" means
	// os.TempDir()).
	Dir string
	// NoNginx runs without nginx even when it is installed: the dashboard
	// then reads the stand-in kumod directly.
	NoNginx bool
	// NginxBinary is the nginx to run ("" finds it in PATH or /usr/sbin).
	NginxBinary string
	// Keep leaves the temporary directory in place after Close (nginx and
	// the stand-in still stop).
	Keep bool
	// Seed seeds the simulated kumod's metrics (0 means from the clock).
	Seed uint64
	// Prewrite writes the demo deployment's files into the pretend host
	// root at Start, as the wizard's apply would, and adds the kumoup
	// lines to its init.lua, as the operator's next step would: for a demo
	// that opens the dashboard directly.
	Prewrite bool
}

// Env is a running demo.
type Env struct {
	// Dir is the demo's temporary directory (0755: nginx workers traverse
	// it).
	Dir string
	// Layout is the pretend host the wizard writes into: Root is
	// Dir/host. The certificate nginx serves is there at Let's Encrypt's
	// paths, as certbot would leave it.
	Layout writer.Layout
	// Deployment is the demo's answers, tokens included: the wizard's
	// prefill and what nginx runs with.
	Deployment model.Deployment
	// Kumod is the stand-in kumod serving the simulated metrics.
	Kumod *standin.Kumod
	// Site is the real nginx in front of Kumod, nil without nginx.
	Site *loopback.Site
	// Notes say, one line each, what the demo started and what it could
	// not (no nginx, and what that means). They hold no secret.
	Notes []string

	front     *front // nginx's part when there is no nginx
	noNginx   string // why there is no nginx: "not installed (...)"
	root      bool   // running as root: the written files are root:root
	cfg       Config
	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

// hostDir is the pretend host root inside Env.Dir.
const hostDir = "host"

// Start starts the demo's servers and prepares its answers. Everything it
// starts stops on Close or when ctx is done.
func Start(ctx context.Context, cfg Config) (_ *Env, err error) {
	dir, err := os.MkdirTemp(cfg.Dir, "kumoup-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: create a temporary directory: %w", err)
	}
	// nginx workers run as another user and must traverse the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("demo: chmod %s: %w", dir, err)
	}
	env := &Env{Dir: dir, Layout: writer.Layout{Root: filepath.Join(dir, hostDir)}, cfg: cfg, closed: make(chan struct{}), root: os.Geteuid() == 0}
	defer func() {
		if err != nil {
			err = errors.Join(err, env.Close())
		}
	}()
	if err := os.MkdirAll(env.Layout.Root, 0o755); err != nil {
		return nil, fmt.Errorf("demo: create %s: %w", env.Layout.Root, err)
	}
	if err := env.startKumod(ctx); err != nil {
		return nil, err
	}
	d, err := answers(env.Layout, env.Kumod.Addr(), model.DefaultProxyPort)
	if err != nil {
		return nil, err
	}
	env.Deployment = d
	if err := env.startNginx(ctx); err != nil {
		return nil, err
	}
	if err := env.installKumoMTA(); err != nil {
		return nil, err
	}
	env.Notes = append(env.Notes, fmt.Sprintf("the wizard writes into %s, a pretend host root", env.Layout.Root))
	if cfg.Prewrite {
		if err := env.writeFiles(ctx); err != nil {
			return nil, err
		}
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = env.Close()
		case <-env.closed:
		}
	}()
	return env, nil
}

func (e *Env) startKumod(ctx context.Context) error {
	seed := e.cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	sim := expogen.NewSim(seed)
	// The stand-in calls Metrics one call at a time, as Sim needs.
	k, err := standin.Start(ctx, standin.Config{
		BodyLimit: mustSize(model.DefaultMaxBody),
		Metrics:   func() []byte { return sim.Next(time.Now()) },
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	e.Kumod = k
	e.Notes = append(e.Notes, fmt.Sprintf("stand-in kumod with simulated traffic on http://%s", k.Addr()))
	return nil
}

// startNginx runs a real nginx in front of the stand-in when there is one,
// and says why not otherwise.
func (e *Env) startNginx(ctx context.Context) error {
	why := "not started in this demo (--no-nginx)"
	if !e.cfg.NoNginx {
		if _, err := loopback.FindNginx(e.cfg.NginxBinary); err == nil {
			return e.startSite(ctx)
		}
		why = "not installed here (apt-get install -y nginx)"
	}
	if err := e.writeCertificate(); err != nil {
		return err
	}
	f, err := startFront(ctx, e.Kumod.Addr(), e.Deployment.InjectionToken)
	if err != nil {
		return err
	}
	e.front, e.noNginx = f, why
	e.Notes = append(e.Notes, fmt.Sprintf("nginx is %s: the dashboard reads the stand-in kumod through a minimal token check on http://%s, without TLS; the nginx and TLS checks are skipped", why, f.Addr()))
	return nil
}

// writeCertificate leaves a certificate for the demo's name where the
// deployment expects it, as certbot would, when no loopback site did.
func (e *Env) writeCertificate() error {
	ca, err := loopback.NewCA()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cert, key, err := ca.IssueKind(loopback.CertValid, e.Deployment.Domain, time.Now())
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, f := range []struct {
		path    string
		mode    os.FileMode
		content []byte
	}{{e.Deployment.TLSCertificate, 0o644, cert}, {e.Deployment.TLSCertificateKey, 0o600, key}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return fmt.Errorf("demo: create %s: %w", filepath.Dir(f.path), err)
		}
		if err := os.WriteFile(f.path, f.content, f.mode); err != nil {
			return fmt.Errorf("demo: write %s: %w", f.path, err)
		}
	}
	return nil
}

// startSite runs the real nginx with kumoup's configuration.
func (e *Env) startSite(ctx context.Context) error {
	site, err := loopback.Start(ctx, loopback.Config{
		Deployment: e.Deployment,
		Dir:        e.Dir,
		UseKumod:   e.Kumod,
		// The demo's name has no Let's Encrypt certificate: a throwaway
		// CA signs one, trusted only by the dashboard's checks.
		NginxBinary: e.cfg.NginxBinary,
	})
	if err != nil {
		return fmt.Errorf("demo: start nginx in front of the stand-in kumod (run with --no-nginx to skip it): %w", err)
	}
	e.Site = site
	e.Notes = append(e.Notes, fmt.Sprintf("nginx with kumoup's configuration on https://%s (as %s, certificate from a throwaway CA)", site.HTTPSAddr, e.Deployment.Domain))
	return nil
}

// packageInitLua stands in for the init.lua KumoMTA's package installs
// when there is none: kumoup never writes it, the operator adds the lines
// the next steps show (the dashboard's host.policy.wired says so).
const packageInitLua = `-- KumoMTA policy (as installed by the kumomta package)
local kumo = require 'kumo'

kumo.on('init', function()
  kumo.define_spool { name = 'data', path = '/var/spool/kumomta/data' }
  kumo.define_spool { name = 'meta', path = '/var/spool/kumomta/meta' }
  kumo.start_esmtp_listener { listen = '0.0.0.0:25' }
end)
`

// installKumoMTA leaves in the pretend host what the kumomta package
// would: its policy directory and init.lua.
func (e *Env) installKumoMTA() error {
	p := e.Layout.PolicyInit()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("demo: create %s: %w", filepath.Dir(p), err)
	}
	if err := os.WriteFile(p, []byte(packageInitLua), 0o644); err != nil {
		return fmt.Errorf("demo: write %s: %w", p, err)
	}
	return nil
}

// writeFiles writes the demo deployment's files into the pretend host, as
// the wizard's apply does.
func (e *Env) writeFiles(ctx context.Context) error {
	files, err := writer.Render(e.Deployment, writer.Options{Layout: e.Layout})
	if err != nil {
		return fmt.Errorf("demo: render the demo files: %w", err)
	}
	plan, err := writer.NewPlan(files)
	if err != nil {
		return fmt.Errorf("demo: plan the demo files: %w", err)
	}
	// A pretend host: files keep the running user as owner.
	if _, err := plan.Apply(ctx, writer.ApplyOptions{SkipChown: os.Geteuid() != 0}); err != nil {
		return fmt.Errorf("demo: write the demo files under %s: %w", e.Layout.Root, err)
	}
	// The operator's next step: init.lua uses the module.
	lines, err := writer.InitLuaLines(e.Layout)
	if err != nil {
		return fmt.Errorf("demo: the init.lua lines: %w", err)
	}
	f, err := os.OpenFile(e.Layout.PolicyInit(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := f.WriteString("\n" + lines); err != nil {
		f.Close()
		return fmt.Errorf("demo: append to %s: %w", e.Layout.PolicyInit(), err)
	}
	return f.Close()
}

// Nginx reports whether a real nginx fronts the stand-in.
func (e *Env) Nginx() bool { return e.Site != nil }

// Close stops nginx and the stand-in kumod and removes Dir (unless
// Config.Keep). It is safe to call more than once and from several
// goroutines; every call returns the first call's result.
func (e *Env) Close() error {
	e.closeOnce.Do(func() {
		var errs []error
		if e.Site != nil {
			errs = append(errs, e.Site.Stop())
		}
		if e.front != nil {
			errs = append(errs, e.front.Close())
		}
		if e.Kumod != nil {
			errs = append(errs, e.Kumod.Close())
		}
		if !e.cfg.Keep {
			if err := os.RemoveAll(e.Dir); err != nil {
				errs = append(errs, fmt.Errorf("demo: remove %s: %w", e.Dir, err))
			}
		}
		e.closeErr = errors.Join(errs...)
		close(e.closed)
	})
	<-e.closed
	return e.closeErr
}

// Done is closed once Close has finished.
func (e *Env) Done() <-chan struct{} { return e.closed }

func mustSize(s string) int64 {
	n, err := model.ParseSize(s)
	if err != nil {
		panic(err)
	}
	return n
}
