package demo

import (
	"context"
	"fmt"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
)

// Reload makes the demo serve d, the answers the wizard just wrote into
// the pretend host, as a host does once its operator ran `nginx -t &&
// systemctl reload nginx`: the real nginx is reloaded with d (its name,
// injection token and body limit; a certificate from the demo's throwaway
// CA when d names a new host), or, without nginx, the token check serves
// d's name and lets only d's injection token through. The stand-in kumod's body limit
// follows d's max_body either way. It returns what the dashboard's checks
// now run against (Target, for d); on error the demo keeps serving the
// previous answers.
func (e *Env) Reload(ctx context.Context, d model.Deployment) (probes.Target, error) {
	d.Listener = e.Kumod.Addr()
	d = d.WithDefaults()
	if e.Site != nil {
		if err := e.Site.Reload(ctx, d); err != nil {
			return e.Target(), fmt.Errorf("demo: reload its nginx with the answers written: %w", err)
		}
		e.Deployment = e.Site.Deployment
		return e.Target(), nil
	}
	if err := d.Validate().Err(); err != nil {
		return e.Target(), fmt.Errorf("demo: the answers written: %w", err)
	}
	if err := e.Kumod.SetBodyLimit(d.MaxBodyBytes()); err != nil {
		return e.Target(), fmt.Errorf("demo: %w", err)
	}
	if e.front != nil {
		if d.Domain != e.Deployment.Domain {
			cert, err := e.frontCertificate(d.Domain)
			if err != nil {
				return e.Target(), err
			}
			e.front.setCertificate(cert)
		}
		e.front.setToken(d.InjectionToken)
	}
	e.Deployment = d
	return e.Target(), nil
}

// ReloadLabel says what Reload does, as a command, for the wizard's apply
// screen.
func (e *Env) ReloadLabel() string {
	if e.Site != nil {
		return "reload the demo's nginx with these answers (nginx -t, then HUP)"
	}
	return "give the demo's token check the new injection token"
}
