package probes

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/kumoup/kumoup/model"
)

// dnsChecks are the dns family, in catalogue order. Each asks
// Target.Resolver (or the system's resolver) and says which one answered.
var dnsChecks = []Check{
	{ID: "dns.domain", Title: "Public name resolves", Run: checkDomainResolves},
	{ID: "dns.ptr", Title: "PTR of the proxy's public IP is the HELO name", Run: checkPTR},
	{ID: "dns.fcrdns", Title: "HELO name resolves to the proxy's public IP", Run: checkFCrDNS},
	{ID: "dns.spf", Title: "SPF authorizes the proxy's public IP", Run: checkSPF},
	{ID: "dns.egress.documentation", Title: "Proxy public IP is a real public address", Run: checkEgressDocumentation},
}

// proxyPublicIP parses KUMOPROXY_PUBLIC_IP, or returns the Result to give
// when it is missing or not an address.
func proxyPublicIP(t *Target) (netip.Addr, *Result) {
	s := t.Deployment.ProxyPublicIP
	if s == "" {
		r := Skip("KUMOPROXY_PUBLIC_IP is not set (see host.envfile.values)")
		return netip.Addr{}, &r
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		r := Fail("set KUMOPROXY_PUBLIC_IP in "+t.Layout.EnvFile()+" to the proxy's public IP address", "KUMOPROXY_PUBLIC_IP %q is not an IP address", s)
		return netip.Addr{}, &r
	}
	return a.Unmap(), nil
}

// proxyEgress returns KUMOPROXY_PUBLIC_IP and KUMOPROXY_HELO, what a
// receiver sees of mail leaving through KumoProxy, or the Result to give
// when either is missing (or the address is not one).
func proxyEgress(t *Target) (netip.Addr, string, *Result) {
	ip, r := proxyPublicIP(t)
	if r != nil {
		return ip, "", r
	}
	if t.Deployment.HELO == "" {
		r := Skip("KUMOPROXY_HELO is not set (see host.envfile.values)")
		return ip, "", &r
	}
	return ip, t.Deployment.HELO, nil
}

// checkEgressDocumentation: a placeholder address (the guides use
// documentation ranges) left in KUMOPROXY_PUBLIC_IP makes every SPF and PTR
// answer meaningless.
func checkEgressDocumentation(ctx context.Context, t *Target) Result {
	ip, r := proxyPublicIP(t)
	if r != nil {
		return *r
	}
	if kind := model.NonPublicKind(ip); kind != "" {
		return Warn(fmt.Sprintf("set KUMOPROXY_PUBLIC_IP in %s to the address recipients see for the KumoProxy host, then %s", t.Layout.EnvFile(), restartCommand),
			"KUMOPROXY_PUBLIC_IP %s is a %s address: recipients never see it", ip, kind)
	}
	return Pass("KUMOPROXY_PUBLIC_IP %s is a public unicast address", ip)
}
