package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

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
	// then reads the stand-in kumod through a minimal token check.
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

	front     *front       // nginx's part when there is no nginx
	ca        *loopback.CA // signs the front's certificates, without nginx
	noNginx   string       // why there is no nginx: "not installed (...)"
	root      bool         // running as root: the written files are root:root
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
	// A demo killed with SIGKILL could not remove its directory: the
	// next one does, once its owner is gone.
	stale, staleErr := RemoveStale(cfg.Dir)
	dir, err := os.MkdirTemp(cfg.Dir, dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("demo: create a temporary directory: %w", err)
	}
	if err := writeOwner(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("demo: record the owner of %s: %w", dir, err)
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
	for _, d := range stale {
		env.Notes = append(env.Notes, "removed "+d+", left by a demo that was killed")
	}
	if staleErr != nil {
		env.Notes = append(env.Notes, staleErr.Error())
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
