package model

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// Firewall defaults.
const (
	// DefaultSSHPort is the SSH port both hosts always accept.
	DefaultSSHPort = 22
	// OutboundGuarded (the default) keeps the output policy accept and
	// drops only what must never leave: direct SMTP from the MTA host,
	// DNS to anything but the listed resolvers.
	OutboundGuarded = "guarded"
	// OutboundStrict sets the output policy to drop and accepts only the
	// destinations each host needs (see the README's ports table).
	OutboundStrict = "strict"
	// DefaultProxyStatusPort is the port kumoup suggests for KumoProxy's
	// status and metrics listener: KumoMTA's own documentation example,
	// clear of kumod's 8000.
	DefaultProxyStatusPort = 8080
)

// Firewall holds the answers the generated nftables rules and the KumoProxy
// host need. Every field is optional; empty means the documented default
// (see the accessor methods).
type Firewall struct {
	// AppAddresses, when set, restricts inbound 443 on the MTA host to these
	// addresses or CIDR prefixes (the app's egress). Empty: from anywhere.
	AppAddresses []string `yaml:"app_addresses,omitempty"`
	// PrometheusAddresses are the Prometheus server(s) that watch the MTA
	// host (kumoup prometheus): admitted to 443, for kumod's /metrics
	// through nginx, even under app_addresses, and to node_exporter's 9100,
	// for kumoup's exported checks. Empty: 9100 stays closed.
	PrometheusAddresses []string `yaml:"prometheus_addresses,omitempty"`
	// MTAAddresses are the MTA host(s)' addresses as the KumoProxy host sees
	// them: the only sources allowed to reach the proxy port. Required to
	// render the proxy host's rules.
	MTAAddresses []string `yaml:"mta_addresses,omitempty"`
	// Resolvers are the DNS servers (IP addresses) the hosts may query.
	// Empty: DNS to anywhere (guarded outbound only).
	Resolvers []string `yaml:"resolvers,omitempty"`
	// SSHPort is the SSH port accepted from anywhere (default 22).
	SSHPort int `yaml:"ssh_port,omitempty"`
	// Outbound is "guarded" (default) or "strict"; see OutboundGuarded and
	// OutboundStrict.
	Outbound string `yaml:"outbound,omitempty"`
	// ProxyListen is where KumoProxy listens on the proxy host, "ip:port";
	// default proxy_host:proxy_port.
	ProxyListen string `yaml:"proxy_listen,omitempty"`
	// ProxyStatusListen, when set ("127.0.0.1:8080"), runs KumoProxy's HTTP
	// status and metrics listener there (a Lua --proxy-config is written).
	// Empty: the plain --listen form, which starts no HTTP listener.
	ProxyStatusListen string `yaml:"proxy_status_listen,omitempty"`
}

// SSHPortOrDefault is SSHPort, or 22 when unset.
func (f Firewall) SSHPortOrDefault() int {
	if f.SSHPort == 0 {
		return DefaultSSHPort
	}
	return f.SSHPort
}

// OutboundOrDefault is Outbound, or "guarded" when unset.
func (f Firewall) OutboundOrDefault() string {
	if f.Outbound == "" {
		return OutboundGuarded
	}
	return f.Outbound
}

// ProxyListenAddress is where KumoProxy listens on the proxy host:
// firewall.proxy_listen, or proxy_host:proxy_port.
func (d Deployment) ProxyListenAddress() string {
	if d.Firewall.ProxyListen != "" {
		return d.Firewall.ProxyListen
	}
	port := d.ProxyPort
	if port == 0 {
		port = DefaultProxyPort
	}
	return joinHostPort(d.ProxyHost, port)
}

// ParsePrefixes parses addresses and CIDR prefixes as the firewall answers
// hold them; a bare address becomes a single-address prefix. Invalid
// entries are skipped (Validate reports them).
func ParsePrefixes(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q: drop the %%zone", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a CIDR prefix: write 203.0.113.7 or 203.0.113.0/24", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: write it as %s", s, p.Masked())
	}
	return p, nil
}

// ValidateFirewallAddress checks one entry of app_addresses or
// mta_addresses: an IP address or a CIDR prefix without host bits. A prefix
// matching everything is a warning: it is the same as no allowlist.
func ValidateFirewallAddress(s string) (warning, err error) {
	if u := firstUnsafe(s); u != "" {
		return nil, fmt.Errorf("%q: %s is not allowed in an address", s, u)
	}
	p, err := parsePrefix(s)
	if err != nil {
		return nil, err
	}
	if p.Bits() == 0 {
		return fmt.Errorf("%s matches every address: remove the list entry to allow all, or give the real addresses", s), nil
	}
	if p.Addr().IsUnspecified() {
		return nil, fmt.Errorf("%q is the unspecified address: give a real address", s)
	}
	return nil, nil
}

// ValidateResolver checks one entry of resolvers: an IP address.
func ValidateResolver(s string) error {
	if u := firstUnsafe(s); u != "" {
		return fmt.Errorf("%q: %s is not allowed in an address", s, u)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return fmt.Errorf("%q is not an IP address: list the resolvers' addresses (see /etc/resolv.conf or `resolvectl status`)", s)
	}
	if a.Zone() != "" {
		return fmt.Errorf("%q: drop the %%zone", s)
	}
	if a.IsUnspecified() {
		return fmt.Errorf("%q is the unspecified address", s)
	}
	return nil
}

// ValidateAddrPort checks an "ip:port" answer (IPv6 in brackets) with a
// fixed port and a concrete address.
func ValidateAddrPort(s string) error {
	if s == "" {
		return errors.New("is empty: give ip:port")
	}
	if u := firstUnsafe(s); u != "" {
		return fmt.Errorf("%q: %s is not allowed in an address", s, u)
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return fmt.Errorf("%q is not ip:port (IPv6 in brackets, like [2001:db8::5]:5000)", s)
	}
	if ap.Addr().Zone() != "" {
		return fmt.Errorf("%q: drop the %%zone", s)
	}
	if ap.Port() == 0 {
		return fmt.Errorf("%q: port 0 is not a fixed port", s)
	}
	return nil
}

// validateAddresses reports the problems of each address of a list
// answer (ValidateFirewallAddress) under "name[i]".
func validateAddresses(p *Problems, name string, addrs []string) {
	for i, s := range addrs {
		field := name + "[" + strconv.Itoa(i) + "]"
		warn, err := ValidateFirewallAddress(s)
		p.addErr(field, err)
		p.addWarn(field, warn)
	}
}

// validate reports problems in the firewall answers.
func (f Firewall) validate(p *Problems) {
	validateAddresses(p, "firewall.app_addresses", f.AppAddresses)
	validateAddresses(p, "firewall.prometheus_addresses", f.PrometheusAddresses)
	validateAddresses(p, "firewall.mta_addresses", f.MTAAddresses)
	allLoopback := len(f.Resolvers) > 0
	for i, s := range f.Resolvers {
		err := ValidateResolver(s)
		p.addErr("firewall.resolvers["+strconv.Itoa(i)+"]", err)
		if a, perr := netip.ParseAddr(s); err == nil && perr == nil && !a.Unmap().IsLoopback() {
			allLoopback = false
		}
	}
	if f.SSHPort != 0 {
		if err := ValidatePort(f.SSHPort); err != nil {
			p.addErr("firewall.ssh_port", fmt.Errorf("%d is not a port: use a number from 1 to 65535 (SSH's default is 22)", f.SSHPort))
		} else if f.SSHPort == 80 || f.SSHPort == 443 || f.SSHPort == 8000 {
			p.addErr("firewall.ssh_port", fmt.Errorf("%d is one of the ports the rules manage (80, 443, 8000): give the port sshd listens on", f.SSHPort))
		}
	}
	switch f.Outbound {
	case "", OutboundGuarded:
	case OutboundStrict:
		if len(f.Resolvers) == 0 {
			p.addErr("firewall.resolvers", errors.New("is required when firewall.outbound is strict: list the DNS servers the hosts use (see /etc/resolv.conf or `resolvectl status`), or use outbound: guarded"))
		} else if allLoopback {
			p.addWarn("firewall.resolvers", errors.New("lists only loopback resolvers: a local stub (systemd-resolved's 127.0.0.53, unbound) forwards to upstream servers that strict outbound rules will block; add the upstream addresses (`resolvectl status`)"))
		}
	default:
		p.addErr("firewall.outbound", fmt.Errorf("%q is not an outbound mode: use guarded (the default) or strict", f.Outbound))
	}
	if f.ProxyListen != "" {
		if err := ValidateAddrPort(f.ProxyListen); err != nil {
			p.addErr("firewall.proxy_listen", err)
		} else if a := netip.MustParseAddrPort(f.ProxyListen).Addr(); a.IsUnspecified() {
			p.addWarn("firewall.proxy_listen", fmt.Errorf("%q listens on every address, the public one too: give the proxy host's private address; the firewall is then not the only guard", f.ProxyListen))
		}
	}
	if f.ProxyStatusListen != "" {
		if err := ValidateAddrPort(f.ProxyStatusListen); err != nil {
			p.addErr("firewall.proxy_status_listen", fmt.Errorf("%w; use 127.0.0.1:%d", err, DefaultProxyStatusPort))
		} else {
			ap := netip.MustParseAddrPort(f.ProxyStatusListen)
			switch {
			case !ap.Addr().Unmap().IsLoopback():
				p.addErr("firewall.proxy_status_listen", fmt.Errorf("%q is not loopback: KumoProxy's HTTP listener serves metrics and an admin endpoint; keep it on 127.0.0.1:%d", f.ProxyStatusListen, DefaultProxyStatusPort))
			case ap.Port() == 8000:
				p.addErr("firewall.proxy_status_listen", fmt.Errorf("%q collides with kumod's HTTP listener (8000) when both run on one host: use 127.0.0.1:%d", f.ProxyStatusListen, DefaultProxyStatusPort))
			}
		}
	}
}
