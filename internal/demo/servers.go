package demo

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
)

// The demo's servers: the stand-in kumod, and nginx or the token front.

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
		if bin, err := loopback.FindNginx(e.cfg.NginxBinary); err == nil {
			return e.startSite(ctx, bin)
		}
		why = "not installed here (apt-get install -y nginx)"
	}
	if err := e.writeCertificate(); err != nil {
		return err
	}
	cert, err := e.frontCertificate(e.Deployment.Domain)
	if err != nil {
		return err
	}
	f, err := startFront(ctx, e.Kumod.Addr(), e.Deployment.InjectionToken, cert)
	if err != nil {
		return err
	}
	e.front, e.noNginx = f, why
	e.Notes = append(e.Notes, fmt.Sprintf("nginx is %s: the dashboard reads the stand-in kumod through a minimal token check on https://%s (certificate from a throwaway CA); the nginx and TLS checks are skipped", why, f.Addr()))
	return nil
}

// writeCertificate leaves a certificate for the demo's name where the
// deployment expects it, as certbot would, when no loopback site did. Its
// CA also signs the front's certificates.
func (e *Env) writeCertificate() error {
	ca, err := loopback.NewCA()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := ca.WriteCertificate(e.Deployment.Domain, e.Deployment.TLSCertificate, e.Deployment.TLSCertificateKey); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	e.ca = ca
	return nil
}

// frontCertificate is a certificate for domain from the demo's CA, for the
// front.
func (e *Env) frontCertificate(domain string) (tls.Certificate, error) {
	certPEM, keyPEM, err := e.ca.IssueKind(loopback.CertValid, domain, time.Now())
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("demo: a certificate for the token check: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("demo: a certificate for the token check: %w", err)
	}
	return cert, nil
}

// startSite runs the real nginx bin with kumoup's configuration.
func (e *Env) startSite(ctx context.Context, bin string) error {
	site, err := loopback.Start(ctx, loopback.Config{
		Deployment: e.Deployment,
		Dir:        e.Dir,
		UseKumod:   e.Kumod,
		// The demo's name has no Let's Encrypt certificate: a throwaway
		// CA signs one, trusted only by the dashboard's checks.
		NginxBinary: bin,
	})
	if err != nil {
		return fmt.Errorf("demo: start nginx in front of the stand-in kumod (run with --no-nginx to skip it): %w", err)
	}
	e.Site = site
	e.Notes = append(e.Notes, fmt.Sprintf("nginx with kumoup's configuration on https://%s (as %s, certificate from a throwaway CA)", site.HTTPSAddr, e.Deployment.Domain))
	return nil
}

func mustSize(s string) int64 {
	n, err := model.ParseSize(s)
	if err != nil {
		panic(err)
	}
	return n
}
