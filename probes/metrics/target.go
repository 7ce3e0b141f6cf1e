package metrics

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
)

// Endpoint overrides what ConfigFor takes from the deployment (kumoup
// metrics --url and --token-file).
type Endpoint struct {
	// URL replaces the deployment's metrics endpoint when not empty.
	URL string
	// Token replaces the deployment's injection token when not empty. The
	// operator chose it for URL, so it is sent to URL whatever its host.
	Token string
}

// ConfigFor returns the Config that scrapes t's deployment the way kumoup
// status reaches it: https://DOMAIN/metrics (with t.HTTPSPort when set),
// the deployment's injection token, t's trust (RootCAs, Insecure) and
// routing (ConnectTo). e overrides the endpoint and the token. Interval,
// Timeout and MaxBody are left for the caller.
//
// A token is sent only where kumoup status sends one: over https with the
// certificate verified, and the deployment's own token only to the
// deployment's name. When a token is held back, withheld says why (for the
// operator); it is "" when the token is sent or there was none.
func ConfigFor(t *probes.Target, e Endpoint) (cfg Config, withheld string, err error) {
	d := t.Deployment
	cfg = Config{URL: e.URL, RootCAs: t.RootCAs, InsecureSkipVerify: t.Insecure}
	if cfg.URL == "" {
		if d.Domain == "" {
			return Config{}, "", fmt.Errorf("metrics endpoint: the deployment has no domain; give the endpoint's URL")
		}
		host := d.Domain
		if t.HTTPSPort > 0 && t.HTTPSPort != 443 {
			host = net.JoinHostPort(d.Domain, strconv.Itoa(t.HTTPSPort))
		}
		cfg.URL = "https://" + host + model.MetricsPath
	}
	if len(t.ConnectTo) > 0 {
		cfg.DialContext = t.DialContext
	}
	if _, err := cfg.withDefaults(); err != nil {
		return Config{}, "", err
	}
	u, _ := url.Parse(cfg.URL) // checked by withDefaults

	token, own := e.Token, false
	if token == "" {
		token, own = d.InjectionToken, true
	}
	switch {
	case token == "":
	case u.Scheme != "https":
		withheld = fmt.Sprintf("the token is not sent to %s: it goes only over https", cfg.URL)
	case t.Insecure:
		withheld = "the token is not sent over unverified TLS (insecure): trust the endpoint's CA instead"
	case own && !strings.EqualFold(u.Hostname(), d.Domain):
		withheld = fmt.Sprintf("the deployment's token goes only to its own name %s, not %s: give a token file for this endpoint", d.Domain, u.Hostname())
	default:
		cfg.Token = token
	}
	return cfg, withheld, nil
}
