package probes

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// dnsLookupAddrs resolves name to its A and AAAA addresses.
func dnsLookupAddrs(ctx context.Context, a *dnsAsker, name string) ([]netip.Addr, error) {
	ips, err := a.LookupIPAddr(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		if x, ok := netip.AddrFromSlice(ip.IP); ok {
			out = append(out, x.Unmap())
		}
	}
	return out, nil
}

func dnsJoinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// dnsAddressRecord is "A" or "AAAA" for ip.
func dnsAddressRecord(ip netip.Addr) string {
	if ip.Is4() {
		return "A"
	}
	return "AAAA"
}

// checkDomainResolves: the public name the app connects to has an address.
func checkDomainResolves(ctx context.Context, t *Target) Result {
	name := t.Deployment.Domain
	if name == "" {
		return Skip("no domain known (read from %s)", t.Layout.AnswersFile())
	}
	a := t.newDNSAsker()
	addrs, err := dnsLookupAddrs(ctx, a, name)
	if err != nil || len(addrs) == 0 {
		fix := fmt.Sprintf("add `%s. IN A <this host's public IP>` (and AAAA for IPv6) at your DNS provider", name)
		if err != nil && !dnsNotFound(err) {
			fix = "check the resolver (--resolver IP:PORT asks another one), then the name's DNS records"
		}
		return Fail(fix, "A/AAAA of %s: %s (%s)", name, dnsReason(err), a.via())
	}
	return Pass("%s resolves to %s (%s)", name, dnsJoinAddrs(addrs), a.via())
}

// checkPTR: receivers look up the connecting IP's PTR and expect the EHLO
// name.
func checkPTR(ctx context.Context, t *Target) Result {
	ip, helo, r := proxyEgress(t)
	if r != nil {
		return *r
	}
	fix := fmt.Sprintf("ask the provider of %s to set its reverse DNS (PTR) to %s", ip, helo)
	a := t.newDNSAsker()
	names, err := a.LookupAddr(ctx, ip.String())
	if err != nil || len(names) == 0 {
		if err != nil && !dnsNotFound(err) {
			fix = "check the resolver (--resolver IP:PORT asks another one); then " + fix
		}
		return Fail(fix, "PTR of %s: %s (%s)", ip, dnsReason(err), a.via())
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".")
	}
	for _, n := range names {
		if strings.EqualFold(n, helo) {
			return Pass("PTR of %s is %s (%s)", ip, strings.Join(names, ", "), a.via())
		}
	}
	return Fail(fix, "PTR of %s is %s, not KUMOPROXY_HELO %s (%s)", ip, strings.Join(names, ", "), helo, a.via())
}

// checkFCrDNS: the EHLO name must resolve back to the address mail leaves
// from (forward-confirmed reverse DNS).
func checkFCrDNS(ctx context.Context, t *Target) Result {
	ip, helo, r := proxyEgress(t)
	if r != nil {
		return *r
	}
	fix := fmt.Sprintf("add `%s. IN %s %s` at your DNS provider", helo, dnsAddressRecord(ip), ip)
	a := t.newDNSAsker()
	addrs, err := dnsLookupAddrs(ctx, a, helo)
	if err != nil || len(addrs) == 0 {
		if err != nil && !dnsNotFound(err) {
			fix = "check the resolver (--resolver IP:PORT asks another one); then " + fix
		}
		return Fail(fix, "A/AAAA of %s: %s (%s)", helo, dnsReason(err), a.via())
	}
	for _, x := range addrs {
		if x == ip {
			return Pass("%s resolves to %s, including KUMOPROXY_PUBLIC_IP (%s)", helo, dnsJoinAddrs(addrs), a.via())
		}
	}
	return Fail(fix, "%s resolves to %s, not KUMOPROXY_PUBLIC_IP %s (%s)", helo, dnsJoinAddrs(addrs), ip, a.via())
}
