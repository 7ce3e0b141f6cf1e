package demo

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
)

// Why a check cannot run in the demo. Each says what it does on a real host.
const (
	skipNoNginx = "nginx is {nginx}: on a host, this asks nginx"
	skipProxy   = "the demo has no KumoProxy: on a host, this opens a SOCKS5 session to KUMOPROXY_HOST:KUMOPROXY_PORT"
	skipWebhook = "the demo's app ({webhook}) is imaginary: on a host, this reaches the webhook URL over verified TLS"
	skipDNS     = "the demo's names are under .test and resolve nowhere: on a host, this asks DNS"
	skipKumod   = "the demo has no kumod (its stand-in serves the HTTP API only): this runs {kumod} --version and compares it with the minimum"
	skipRenewal = "the demo's certificate comes from a throwaway CA, not certbot: on a host, this checks that certbot's timer renews it and a deploy hook reloads nginx"
	skipOwner   = "the demo runs without root, so the files it wrote are yours, not root:root: on a host, kumoup apply runs as root and this checks owner and mode"
)

// skipRule replaces the checks whose ID matches (an exact ID, or a family
// prefix ending in ".") when it applies.
type skipRule struct {
	match   string
	reason  string // a %s in it is Env.noNginx
	applies func(e *Env) bool
}

func notRoot(e *Env) bool      { return !e.root }
func always(*Env) bool         { return true }
func withoutNginx(e *Env) bool { return !e.Nginx() }
func (r skipRule) hits(id string) bool {
	if strings.HasSuffix(r.match, ".") {
		return strings.HasPrefix(id, r.match)
	}
	return id == r.match
}

// skipRules are the checks that cannot run on loopback, in the demo.
// dns.egress.documentation runs: it needs no network (and warns about the
// demo's documentation address, as it would about a placeholder).
var skipRules = []skipRule{
	{"edge.", skipNoNginx, withoutNginx},
	{"tls.", skipNoNginx, withoutNginx},
	{"host.nginx.config", skipNoNginx, withoutNginx},
	{"host.envfile.permissions", skipOwner, notRoot},
	{"host.tokenfile.permissions", skipOwner, notRoot},
	{"host.kumod.version", skipKumod, always},
	{"proxy.socks5", skipProxy, always},
	{"webhook.reachable", skipWebhook, always},
	{"dns.domain", skipDNS, always},
	{"dns.ptr", skipDNS, always},
	{"dns.fcrdns", skipDNS, always},
	{"dns.spf", skipDNS, always},
	{"host.certificate.renewal", skipRenewal, always},
}

// Checks returns the dashboard's checks: probes.Catalogue, in its order,
// with each check that cannot run in this demo replaced by one that
// reports skip and why.
func (e *Env) Checks() []probes.Check {
	var out []probes.Check
	for _, c := range probes.Catalogue() {
		if _, skip := e.skipReason(c.ID, e.Deployment); skip {
			// The reason is worded when the check runs, from the answers
			// it runs with: the wizard may have changed them.
			id := c.ID
			c.Run = func(_ context.Context, t *probes.Target) probes.Result {
				reason, _ := e.skipReason(id, t.Deployment)
				return probes.Skip("%s", reason)
			}
		}
		out = append(out, c)
	}
	return out
}

// Skipped maps the ID of every check the demo skips to the reason.
func (e *Env) Skipped() map[string]string {
	out := map[string]string{}
	for _, c := range probes.Catalogue() {
		if reason, skip := e.skipReason(c.ID, e.Deployment); skip {
			out[c.ID] = reason
		}
	}
	return out
}

// skipReason says why the check id cannot run in this demo, if it cannot:
// the first skip rule that matches id and applies, worded for the answers
// d.
func (e *Env) skipReason(id string, d model.Deployment) (string, bool) {
	for _, r := range skipRules {
		if !r.hits(id) || !r.applies(e) {
			continue
		}
		return strings.NewReplacer("{nginx}", e.noNginx, "{webhook}", d.WebhookURL, "{kumod}", e.Layout.Kumod()).Replace(r.reason), true
	}
	return "", false
}

// checkTimeout is each check's limit in the demo: everything is on
// loopback.
const checkTimeout = 3 * time.Second

// Target is what the dashboard's checks know: the demo deployment in the
// pretend host and, with nginx, how to reach it on loopback (ports,
// ConnectTo, the throwaway CA, the running nginx's configuration).
func (e *Env) Target() probes.Target {
	t := probes.Target{Deployment: e.Deployment, Layout: e.Layout, Timeout: checkTimeout}
	if s := e.Site; s != nil {
		t.HTTPSPort, t.HTTPPort = s.HTTPSPort, s.HTTPPort
		t.ConnectTo = s.ConnectTo
		t.RootCAs = s.CACertPool
		t.NginxBinary, t.NginxConf, t.NginxPrefix = s.NginxBinary, s.NginxConf, s.NginxPrefix
	}
	if e.front != nil {
		// The deployment's name on 443 is the token check, trusted through
		// the demo's CA: the dashboard scrapes it as it would nginx.
		t.ConnectTo = map[string]string{net.JoinHostPort(e.Deployment.Domain, "443"): e.front.Addr()}
		t.RootCAs = e.ca.Pool()
	}
	return t
}
