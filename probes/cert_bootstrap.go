package probes

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// The certificate bootstrap: on a fresh host the site is HTTP only until
// `kumoup cert` obtains the certificate (see writer.CertificateMissing).
// Until then status reports that as one finding, tls.certificate.obtained,
// and the checks that need the 443 server skip, pointing at it, instead of
// each failing on the missing listener.

// bootstrapChecks come first in the catalogue: when they fail, the rest
// of the report is read in their light.
var bootstrapChecks = []Check{
	{ID: "tls.certificate.obtained", Title: "The certificate has been obtained", Run: checkCertificateObtained},
}

func checkCertificateObtained(_ context.Context, t *Target) Result {
	if t.Deployment.TLSCertificate == "" || t.Deployment.TLSCertificateKey == "" {
		return Skip("no certificate paths in the deployment")
	}
	missing := writer.CertificateMissing(t.Deployment)
	if len(missing) == 0 {
		return Pass("%s and its key exist", t.Deployment.TLSCertificate)
	}
	return Fail(fmt.Sprintf("run `%s`: it checks that %s reaches this host on port 80, obtains the certificate from Let's Encrypt with certbot, sets up its renewal and writes the full site",
		writer.CertCommand(t.Layout), t.Deployment.Domain),
		"the certificate for %s has not been obtained yet (missing: %s): nginx serves it over HTTP only, HTTPS is off", t.Deployment.Domain, strings.Join(missing, ", "))
}

// needsHTTPS reports whether check id talks to the 443 server, which an
// HTTP-only site does not have.
func needsHTTPS(id string) bool {
	switch id {
	case "edge.http.redirect", "edge.acme.webroot", "tls.certificate.obtained":
		return false
	}
	return strings.HasPrefix(id, "edge.") || strings.HasPrefix(id, "tls.")
}

// awaitCertificate replaces, while the certificate is missing, every check
// that needs the 443 server by a skip that names the one finding.
func awaitCertificate(t *Target, checks []Check) []Check {
	if len(writer.CertificateMissing(t.Deployment)) == 0 {
		return checks
	}
	out := slices.Clone(checks)
	for i, c := range out {
		if needsHTTPS(c.ID) {
			out[i].Run = func(context.Context, *Target) Result {
				r := Skip("waits for the certificate (see tls.certificate.obtained): the site is %s", writer.HTTPOnlyNote)
				r.BlockedBy = "tls.certificate.obtained"
				return r
			}
		}
	}
	return out
}

// ACMEPreflight runs what the ACME server will check before it is asked
// (a failed order counts against Let's Encrypt's rate limits): that the
// name resolves to an address of this host (unless behindNAT: the
// operator says the public address is forwarded to this host) and that
// port 80 serves a random probe file from the webroot through the name
// (edge.acme.webroot). The results are in that order.
func ACMEPreflight(ctx context.Context, t *Target, behindNAT bool) []Result {
	checks := []Check{
		{ID: "acme.name.local", Title: "The name resolves to this host", Run: func(ctx context.Context, t *Target) Result { return checkNameLocal(ctx, t, behindNAT) }},
		{ID: "edge.acme.webroot", Title: "ACME challenges are served on port 80", Run: checkACMEWebroot},
	}
	return Run(ctx, t, checks)
}

// localAddrs lists this host's interface addresses (replaced in tests).
var localAddrs = func() ([]netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out, nil
}

func checkNameLocal(ctx context.Context, t *Target, behindNAT bool) Result {
	d := t.Deployment.Domain
	a := t.newDNSAsker()
	ips, err := a.LookupNetIP(ctx, "ip", d)
	if err != nil {
		return Fail(fmt.Sprintf("create an A (and AAAA, if this host has IPv6) record for %s pointing at this host's public address, wait for it to propagate, then try again", d),
			"%s does not resolve %s: %s", d, a.via(), dnsReason(err))
	}
	found := make([]string, len(ips))
	for i, ip := range ips {
		found[i] = ip.Unmap().String()
	}
	if behindNAT {
		return Pass("%s resolves to %s %s (behind NAT: forwarded to this host, as confirmed)", d, strings.Join(found, ", "), a.via())
	}
	local, err := localAddrs()
	if err != nil {
		return Fail("check the network configuration (`ip addr`)", "cannot list this host's addresses: %v", err)
	}
	var elsewhere []string
	for _, ip := range ips {
		if !slices.Contains(local, ip.Unmap()) {
			elsewhere = append(elsewhere, ip.Unmap().String())
		}
	}
	if len(elsewhere) > 0 {
		return Fail(fmt.Sprintf("point %s's A/AAAA records at this host (its addresses: %s), or, if this host is behind NAT and that address forwards port 80 here, confirm it (--behind-nat)", d, addrList(local)),
			"%s resolves to %s %s, not an address of this host: Let's Encrypt would validate against %s", d, strings.Join(found, ", "), a.via(), strings.Join(elsewhere, ", "))
	}
	return Pass("%s resolves to %s %s, this host", d, strings.Join(found, ", "), a.via())
}

// addrList names a host's global addresses for a remedy (loopback and
// link-local ones left out when there are others).
func addrList(addrs []netip.Addr) string {
	var out []string
	for _, a := range addrs {
		if a.IsGlobalUnicast() {
			out = append(out, a.String())
		}
	}
	if len(out) == 0 {
		for _, a := range addrs {
			out = append(out, a.String())
		}
	}
	return strings.Join(out, ", ")
}
