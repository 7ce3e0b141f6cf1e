package probes

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"blitiri.com.ar/go/spf"
)

// spfVerdict is one domain's SPF answer for the proxy's public IP.
type spfVerdict struct {
	domain string
	result spf.Result
	err    error
	// ownIP is an address of this host that the record does authorize,
	// when the proxy's is not.
	ownIP netip.Addr
}

// checkSPF evaluates SPF (a real evaluator: include, redirect, a, mx,
// ip4/ip6, macros) for the HELO name and every sending domain, as a
// receiver would for mail arriving from KUMOPROXY_PUBLIC_IP.
func checkSPF(ctx context.Context, t *Target) Result {
	ip, _, r := proxyEgress(t)
	if r != nil {
		return *r
	}
	d := t.Deployment
	var domains []string
	for _, s := range append([]string{d.HELO}, d.SendingDomains...) {
		s = strings.ToLower(strings.TrimSuffix(s, "."))
		if s != "" && !slices.Contains(domains, s) {
			domains = append(domains, s)
		}
	}
	a := t.newDNSAsker()
	var own []netip.Addr
	ownDone := false
	var bad []spfVerdict
	for _, dom := range domains {
		v := spfVerdict{domain: dom}
		v.result, v.err = spfCheck(ctx, a, ip, d.HELO, dom)
		if v.result == spf.Pass {
			continue
		}
		if v.result != spf.TempError && v.result != spf.None {
			if !ownDone {
				own, ownDone = t.hostOwnIPs(ctx, a, ip), true
			}
			for _, o := range own {
				if res, _ := spfCheck(ctx, a, o, d.HELO, dom); res == spf.Pass {
					v.ownIP = o
					break
				}
			}
		}
		bad = append(bad, v)
	}
	if len(bad) == 0 {
		return Pass("SPF of %s authorizes %s: pass (%s)", strings.Join(domains, ", "), ip, a.via())
	}
	parts := make([]string, len(bad))
	onlyTemp := true
	for i, v := range bad {
		parts[i] = v.describe(ip)
		onlyTemp = onlyTemp && v.result == spf.TempError
	}
	detail := fmt.Sprintf("%s (%s)", strings.Join(parts, "; "), a.via())
	if onlyTemp {
		return Warn("check the resolver (--resolver IP:PORT asks another one) and the SPF records' DNS", "%s", detail)
	}
	first := bad[0]
	if first.result == spf.TempError {
		first = bad[slices.IndexFunc(bad, func(v spfVerdict) bool { return v.result != spf.TempError })]
	}
	return Fail(spfRemedy(ctx, a, first, ip), "%s", detail)
}

func spfCheck(ctx context.Context, a *dnsAsker, ip netip.Addr, helo, domain string) (spf.Result, error) {
	return spf.CheckHostWithSender(net.IP(ip.AsSlice()), helo, "postmaster@"+domain,
		spf.WithResolver(a.Resolver), spf.WithContext(ctx))
}

func (v spfVerdict) describe(ip netip.Addr) string {
	switch {
	case v.ownIP.IsValid():
		return fmt.Sprintf("SPF of %s authorizes this host's own IP %s but not the proxy's %s (%s): mail leaves through KumoProxy, the guides' classic mistake",
			v.domain, v.ownIP, ip, v.result)
	case v.result == spf.None:
		return fmt.Sprintf("%s has no SPF record", v.domain)
	case v.result == spf.PermError:
		return fmt.Sprintf("SPF of %s is broken (permerror: %s)", v.domain, dnsReason(v.err))
	case v.result == spf.TempError:
		return fmt.Sprintf("SPF of %s could not be evaluated (temperror: %s)", v.domain, dnsReason(v.err))
	}
	why := ""
	if v.err != nil {
		why = ", " + v.err.Error()
	}
	return fmt.Sprintf("SPF of %s gives %s for %s%s", v.domain, v.result, ip, why)
}

// spfMechanism is the mechanism that authorizes ip ("ip4:203.0.113.7").
func spfMechanism(ip netip.Addr) string {
	if ip.Is4() {
		return "ip4:" + ip.String()
	}
	return "ip6:" + ip.String()
}

// spfRemedy proposes the domain's record with the proxy's IP added.
func spfRemedy(ctx context.Context, a *dnsAsker, v spfVerdict, ip netip.Addr) string {
	mech := spfMechanism(ip)
	if v.result == spf.PermError {
		return fmt.Sprintf("fix the SPF record of %s (%v) and make it include %s", v.domain, v.err, mech)
	}
	record := "v=spf1 " + mech + " -all"
	if txts, err := a.LookupTXT(ctx, v.domain); err == nil {
		for _, txt := range txts {
			if rest, ok := strings.CutPrefix(txt, "v=spf1"); ok && (rest == "" || rest[0] == ' ') {
				record = "v=spf1 " + mech + rest
				break
			}
		}
	}
	return fmt.Sprintf("add %s to the SPF record of %s: `%s. IN TXT \"%s\"`", mech, v.domain, v.domain, record)
}

// hostOwnIPs are the addresses mail would come from if it left this host
// directly: the public name's A/AAAA and this machine's public interface
// addresses, minus the proxy's.
func (t *Target) hostOwnIPs(ctx context.Context, a *dnsAsker, proxy netip.Addr) []netip.Addr {
	var out []netip.Addr
	add := func(x netip.Addr) {
		x = x.Unmap()
		if x.IsValid() && x != proxy && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	if t.Deployment.Domain != "" {
		if addrs, err := dnsLookupAddrs(ctx, a, t.Deployment.Domain); err == nil {
			for _, x := range addrs {
				add(x)
			}
		}
	}
	if ifs, err := net.InterfaceAddrs(); err == nil {
		for _, ia := range ifs {
			if n, ok := ia.(*net.IPNet); ok {
				x, _ := netip.AddrFromSlice(n.IP)
				if x.IsGlobalUnicast() && !x.IsPrivate() {
					add(x)
				}
			}
		}
	}
	return out
}
