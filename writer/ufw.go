package writer

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/kumoup/kumoup/model"
)

// UFWCommands returns the ufw commands equivalent to host's nftables rules,
// for a host where ufw is active: kumoup then loads no second rule set
// (two firewalls would each drop what the other accepts). Order matters:
// ufw matches rules in the order they are added.
func UFWCommands(d model.Deployment, h Host) ([]string, error) {
	if err := hostProblems(d); err != nil {
		return nil, fmt.Errorf("ufw commands: %w", err)
	}
	f := d.Firewall
	ssh := f.SSHPortOrDefault()
	cmds := []string{
		fmt.Sprintf("ufw allow %d/tcp comment 'SSH (kumoup)'", ssh),
		"ufw default deny incoming",
	}
	strict := f.OutboundOrDefault() == model.OutboundStrict
	switch h {
	case HostMTA:
		proxy, err := netip.ParseAddr(d.ProxyHost)
		if err != nil {
			return nil, fmt.Errorf("ufw commands: proxy_host %q: give the proxy's IP address", d.ProxyHost)
		}
		cmds = append(cmds,
			fmt.Sprintf("ufw deny %d/tcp comment 'kumod HTTP listener: loopback only (kumoup)'", d.ListenerPort()),
			"ufw allow 80/tcp comment 'ACME http-01 and redirect (kumoup)'")
		ports := []int{443}
		if d.SMTPProxy.Enabled {
			ports = append(ports, d.SMTPProxy.ListenPort())
		}
		for _, p := range ports {
			if len(f.AppAddresses) == 0 {
				cmds = append(cmds, fmt.Sprintf("ufw allow %d/tcp comment 'kumoup'", p))
				continue
			}
			for _, a := range f.AppAddresses {
				cmds = append(cmds, fmt.Sprintf("ufw allow proto tcp from %s to any port %d comment 'the app (kumoup)'", a, p))
			}
		}
		for _, a := range f.PrometheusAddresses {
			cmds = append(cmds, fmt.Sprintf("ufw allow proto tcp from %s to any port 443,%d comment 'Prometheus (kumoup)'", a, NodeExporterPort))
		}
		cmds = append(cmds, outboundDNS(f)...)
		cmds = append(cmds, fmt.Sprintf("ufw allow out proto tcp to %s port %d comment 'KumoProxy (kumoup)'", proxy, d.ProxyPort))
		if be, ok := smtpProxyRemoteBackend(d); ok {
			// Before the SMTP rejects: the back-end may listen on 587.
			cmds = append(cmds, fmt.Sprintf("ufw allow out proto tcp to %s port %d comment 'the SMTP proxy back-end (kumoup)'", be.Addr(), be.Port()))
		}
		for _, p := range []int{25, 465, 587} {
			cmds = append(cmds, fmt.Sprintf("ufw reject out %d/tcp comment 'mail leaves through KumoProxy only (kumoup)'", p))
		}
	case HostProxy:
		if len(f.MTAAddresses) == 0 {
			return nil, fmt.Errorf("ufw commands: firewall.mta_addresses is required for the KumoProxy host")
		}
		listen, err := netip.ParseAddrPort(d.ProxyListenAddress())
		if err != nil {
			return nil, fmt.Errorf("ufw commands: KumoProxy's address %q is not ip:port", d.ProxyListenAddress())
		}
		for _, a := range f.MTAAddresses {
			cmds = append(cmds, fmt.Sprintf("ufw allow proto tcp from %s to any port %d comment 'the MTA host (kumoup)'", a, listen.Port()))
		}
		for _, p := range proxyStatusPorts(d) {
			cmds = append(cmds, fmt.Sprintf("ufw deny %d/tcp comment 'HTTP status listener: loopback only (kumoup)'", p))
		}
		cmds = append(cmds, outboundDNS(f)...)
		cmds = append(cmds, "ufw allow out 25/tcp comment 'SMTP to any MX (kumoup)'")
	default:
		return nil, fmt.Errorf("ufw commands: unknown host %q", h)
	}
	if strict {
		cmds = append(cmds, "ufw allow out 80,443/tcp comment 'apt, ACME, webhooks (kumoup)'")
		if p := webhookPort(d); h == HostMTA && p != 0 {
			cmds = append(cmds, fmt.Sprintf("ufw allow out %d/tcp comment 'the app webhook endpoint (kumoup)'", p))
		}
		cmds = append(cmds,
			"ufw allow out 123/udp comment 'NTP (kumoup)'",
			"ufw allow out 67/udp comment 'DHCP (kumoup)'",
			"ufw allow out 547/udp comment 'DHCPv6 (kumoup)'",
			"ufw default deny outgoing")
	}
	return append(cmds, "ufw reload"), nil
}

func outboundDNS(f model.Firewall) []string {
	if len(f.Resolvers) == 0 {
		return nil
	}
	var cmds []string
	for _, r := range f.Resolvers {
		cmds = append(cmds, fmt.Sprintf("ufw allow out to %s port 53 comment 'DNS (kumoup)'", r))
	}
	return append(cmds, "ufw reject out 53 comment 'DNS to the listed resolvers only (kumoup)'")
}

// smtpProxyRemoteBackend is the SMTP proxy's back-end when it is enabled
// and on another host (a loopback back-end needs no outbound rule).
func smtpProxyRemoteBackend(d model.Deployment) (netip.AddrPort, bool) {
	if !d.SMTPProxy.Enabled {
		return netip.AddrPort{}, false
	}
	be, err := netip.ParseAddrPort(d.SMTPProxy.Backend)
	if err != nil || be.Addr().Unmap().IsLoopback() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(be.Addr().Unmap(), be.Port()), true
}

// webhookPort is webhook_url's port when it is neither 443 nor 80 (which
// the strict rules allow anyway), else 0.
func webhookPort(d model.Deployment) int {
	u, err := url.Parse(d.WebhookURL)
	if err != nil || u.Port() == "" || u.Port() == "443" || u.Port() == "80" {
		return 0
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}
