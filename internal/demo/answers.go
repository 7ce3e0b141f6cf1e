package demo

import (
	"fmt"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// The demo's answers: names under .test (RFC 2606: never resolvable), and a
// documentation address as the public egress IP, which the wizard shows as
// a warning that does not block.
const (
	Domain        = "mta.demo.kumoup.test"
	WebhookURL    = "https://app.demo.kumoup.test/kumo/events"
	ProxyHost     = "127.0.0.1"
	ProxyPublicIP = "203.0.113.25"
	HELO          = "mta.demo.kumoup.test"
)

// answers returns the demo deployment with fresh tokens; Listener is the
// stand-in kumod's address and ProxyPort a loopback port nothing listens on
// (the demo has no KumoProxy). The certificate and the ACME webroot are at
// Let's Encrypt's paths inside the pretend host, written as real absolute
// paths: that is where nginx, the wizard's preflight and the checks find
// them (loopback writes the certificate there, as certbot would).
func answers(host writer.Layout, listener string, proxyPort int) (model.Deployment, error) {
	inject, err := model.NewToken()
	if err != nil {
		return model.Deployment{}, fmt.Errorf("demo: injection token: %w", err)
	}
	hook, err := model.NewToken()
	if err != nil {
		return model.Deployment{}, fmt.Errorf("demo: webhook token: %w", err)
	}
	d := model.Deployment{
		Domain:         Domain,
		InjectionToken: inject,
		WebhookToken:   hook,
		WebhookURL:     WebhookURL,
		ProxyHost:      ProxyHost,
		ProxyPort:      proxyPort,
		ProxyPublicIP:  ProxyPublicIP,
		HELO:           HELO,
		Listener:       listener,

		TLSCertificate:    host.Path(model.CertificatePath(Domain)),
		TLSCertificateKey: host.Path(model.CertificateKeyPath(Domain)),
		ACMEWebroot:       host.Path(model.DefaultACMEWebroot),
	}.WithDefaults()
	if err := d.Validate().Err(); err != nil {
		// The paths under the temporary directory are the only input.
		return model.Deployment{}, fmt.Errorf("demo: the demo's paths under %s do not validate (set TMPDIR to a plain directory such as /tmp): %w", host.Root, err)
	}
	return d, nil
}
