package probes

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// TargetOptions say where the deployment is and how to reach it: the flags
// kumoup status, metrics and dashboard share. The token is never an option
// value: it comes from the deployment on disk, or from TokenFile.
type TargetOptions struct {
	// Root is where the deployment's files are read ("" means /).
	Root string
	// CAFile is a PEM file whose CA(s) are trusted instead of the system
	// roots.
	CAFile string
	// TokenFile holds the injection token alone on one line, replacing
	// the deployment's; like apply's token files it must be private
	// (mode 0600).
	TokenFile string
	// Resolver is "IP:PORT" of the DNS server to ask ("" means the
	// system's).
	Resolver string
	// ConnectTo are curl-style HOST:PORT:ADDR:PORT routes (see
	// ParseConnectTo).
	ConnectTo []string
	// Insecure skips TLS verification (test setups only): the token is
	// then never sent.
	Insecure bool
	// Timeout is each check's own limit; it must be positive.
	Timeout time.Duration

	// Outside is a public name checked from another network (kumoup
	// status --from-outside): no deployment is read, so Root and
	// TokenFile must be empty.
	Outside string
	// OutsideProxy is KumoProxy's address (public or private IP) whose
	// SOCKS5 port the outside checks probe besides Outside's (kumoup
	// status --from-outside NAME --proxy IP); only with Outside.
	OutsideProxy string
	// Endpoint is a URL reached instead of the deployment's (kumoup
	// metrics --url): the deployment becomes optional, and is not read at
	// all when TokenFile gives the endpoint's token.
	Endpoint string
	// RequireToken makes a deployment read only in part an error, rather
	// than a warning, when it yields no injection token and TokenFile
	// gives none (kumoup metrics and dashboard scrape with it).
	RequireToken bool
}

// NewTarget builds what the checks know from o: the deployment read with
// writer.Load (errors wrapping writer.ErrNoDeployment when there is none),
// the token of o.TokenFile, the trusted CAs of o.CAFile and the routes of
// o.ConnectTo. A deployment that can be read only in part is returned with
// a warning, not an error: reporting on a half-broken deployment is what
// the checks are for. Warnings never hold the token; neither do errors.
func NewTarget(o TargetOptions) (*Target, []string, error) {
	if o.Timeout <= 0 {
		return nil, nil, fmt.Errorf("--timeout %v: must be positive, like 5s", o.Timeout)
	}
	if o.Outside != "" && (o.Root != "" || o.TokenFile != "") {
		return nil, nil, errors.New("--from-outside checks a public name from another network: --root and --token-file do not apply")
	}
	t := &Target{Layout: writer.Layout{Root: o.Root}, Timeout: o.Timeout, Insecure: o.Insecure}
	var warnings []string
	var token string
	if o.TokenFile != "" {
		tok, err := writer.ReadTokenFile("--token-file", o.TokenFile)
		if err != nil {
			return nil, nil, err
		}
		if err := model.ValidateToken(tok); err != nil {
			return nil, nil, fmt.Errorf("--token-file %s: the token %w", o.TokenFile, err)
		}
		token = tok
	}
	d, warning, err := targetDeployment(o, token != "")
	if err != nil {
		return nil, nil, err
	}
	if warning != "" {
		warnings = append(warnings, warning)
	}
	t.Deployment = d
	if token != "" {
		t.Deployment.InjectionToken = token
	}
	if err := ValidateResolver(o.Resolver); err != nil {
		return nil, nil, err
	}
	t.Resolver = o.Resolver
	if o.CAFile != "" {
		pem, err := fsread.Read(context.Background(), o.CAFile, fsread.ConfigLimit)
		if err != nil {
			return nil, nil, fmt.Errorf("--ca-file: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", o.CAFile)
		}
	}
	name, what := t.Deployment.Domain, "the deployment's name"
	if u, err := url.Parse(o.Endpoint); o.Endpoint != "" && err == nil {
		name, what = u.Hostname(), "the endpoint's name"
	}
	for _, spec := range o.ConnectTo {
		from, to, err := ParseConnectTo(spec)
		if err != nil {
			return nil, nil, err
		}
		if t.ConnectTo == nil {
			t.ConnectTo = map[string]string{}
		}
		if host, _, _ := net.SplitHostPort(from); !strings.EqualFold(host, name) {
			warnings = append(warnings, fmt.Sprintf("--connect-to %s: %s is not %s %s", spec, host, what, name))
		}
		t.ConnectTo[from] = to
	}
	return t, warnings, nil
}

// targetDeployment reads the deployment o names, or makes the one of a
// public name checked from outside. haveToken says TokenFile gave a token.
func targetDeployment(o TargetOptions, haveToken bool) (d model.Deployment, warning string, err error) {
	if o.Outside != "" {
		if err := model.ValidateDomain(o.Outside); err != nil {
			return d, "", fmt.Errorf("--from-outside %q: %w", o.Outside, err)
		}
		d = model.Deployment{Domain: o.Outside}
		if o.OutsideProxy != "" {
			ip, err := netip.ParseAddr(o.OutsideProxy)
			if err != nil || ip.Zone() != "" {
				return d, "", fmt.Errorf("--proxy %q: want KumoProxy's IP address, like 203.0.113.7 or 2001:db8::7", o.OutsideProxy)
			}
			d.ProxyPublicIP = ip.String()
		}
		return d.WithDefaults(), "", nil
	}
	if o.OutsideProxy != "" {
		return d, "", errors.New("--proxy names KumoProxy's address for the checks run from outside: use it with --from-outside NAME")
	}
	if o.Endpoint != "" && haveToken {
		return d, "", nil // the endpoint and its token: no deployment needed
	}
	d, err = writer.Load(writer.Layout{Root: o.Root})
	switch {
	case err == nil:
		return d, "", nil
	case errors.Is(err, writer.ErrNoDeployment) && o.Endpoint != "":
		return model.Deployment{}, "", nil // an endpoint scraped without a token
	case errors.Is(err, writer.ErrNoDeployment), d.Domain == "":
		return d, "", err
	case o.RequireToken && d.InjectionToken == "" && !haveToken:
		return d, "", err
	}
	return d, err.Error(), nil
}
