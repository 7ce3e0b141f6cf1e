package loopback

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kumoup/kumoup/model"
)

// reloadTimeout bounds the wait for nginx to serve a reloaded
// configuration.
const reloadTimeout = 15 * time.Second

// Reload makes the running site serve d, as `nginx -t && systemctl reload
// nginx` does on a host: it renders d on the site's ports into the site's
// layout (retiring the previous name's site file and token include when
// the name changed, as kumoup apply does), runs `nginx -t` with the site's
// prefix, signals HUP to the site's own nginx master and returns once
// every worker of the previous configuration has exited, so that every new
// connection gets d's name, token and body limit. Config.Mutate is not
// applied again.
//
// d.Listener is replaced by the stand-in's address; the stand-in's body
// limit follows d's max_body, as kumoup's Lua module sets
// request_body_limit. When d's certificate or key file does not exist
// (a new name) and both paths are inside Dir, the site's CA issues one for d's name at those paths, as
// certbot would. On success Deployment, Files, ConnectTo, CertFile and
// KeyFile describe d; on error nginx keeps serving the previous
// configuration (the files may already be d's). Reload must not run
// concurrently with itself or with readers of those fields.
func (s *Site) Reload(ctx context.Context, d model.Deployment) error {
	if s.Pid() == 0 {
		return errors.New("loopback: reload: nginx is not running (Start it first)")
	}
	d.Listener = s.Kumod.Addr()
	d = d.WithDefaults()
	if err := d.Validate().Err(); err != nil {
		return fmt.Errorf("loopback: reload: the deployment: %w", err)
	}
	if err := s.certificateFor(d); err != nil {
		return err
	}
	plan, err := s.plan(d, s.HTTPSPort, s.HTTPPort, nil)
	if err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	if err := apply(ctx, plan); err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	if err := TestConfig(ctx, s.NginxBinary, s.NginxConf, s.NginxPrefix); err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	if err := s.Kumod.SetBodyLimit(d.MaxBodyBytes()); err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	if err := s.nginx.Reload(ctx, reloadTimeout); err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	s.Deployment, s.Files = d, planned(plan)
	s.CertFile, s.KeyFile = d.TLSCertificate, d.TLSCertificateKey
	s.setPorts(s.HTTPSPort, s.HTTPPort)
	return nil
}

// certificateFor issues d's certificate from the site's CA when its files
// are missing.
func (s *Site) certificateFor(d model.Deployment) error {
	if s.noCert {
		return nil
	}
	if exists(d.TLSCertificate) && exists(d.TLSCertificateKey) {
		return nil
	}
	if !within(s.Dir, d.TLSCertificate) || !within(s.Dir, d.TLSCertificateKey) {
		// Never write outside the site's directory: nginx -t then names
		// the missing file.
		return nil
	}
	if err := s.CA.WriteCertificate(d.Domain, d.TLSCertificate, d.TLSCertificateKey); err != nil {
		return fmt.Errorf("loopback: reload: %w", err)
	}
	return mkdirs(0o755, d.ACMEWebroot, filepath.Join(d.ACMEWebroot, ".well-known", "acme-challenge"))
}

// within reports whether path is inside dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && filepath.IsAbs(path) && rel != ".." && !strings.HasPrefix(rel, "../")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
