package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// Host is which of the deployment's two hosts a file is for.
type Host string

// The two hosts of a deployment.
const (
	// HostMTA runs kumod and nginx.
	HostMTA Host = "mta"
	// HostProxy runs KumoProxy, the SOCKS5 egress.
	HostProxy Host = "proxy"
)

// ParseHost parses "mta" or "proxy".
func ParseHost(s string) (Host, error) {
	switch Host(s) {
	case HostMTA, HostProxy:
		return Host(s), nil
	}
	return "", fmt.Errorf("host %q: use mta (kumod and nginx) or proxy (KumoProxy)", s)
}

// Title is the host's name in prose: "MTA host" or "KumoProxy host".
func (h Host) Title() string {
	if h == HostProxy {
		return "KumoProxy host"
	}
	return "MTA host"
}

// FirewallDir holds the generated nftables rules.
const FirewallDir = "/etc/kumoup"

// FirewallFile is the nftables rules file for host under the root
// (/etc/kumoup/nftables-mta.nft or nftables-proxy.nft).
func (l Layout) FirewallFile(h Host) string {
	return l.Path(filepath.Join(FirewallDir, "nftables-"+string(h)+".nft"))
}

type nftSet struct {
	Name     string
	Type     string
	Elements []string
}

type firewallData struct {
	Host, HostTitle, Path string
	SSHPort               int
	Strict                bool
	Resolvers             bool
	ResolversV4           nftSet
	ResolversV6           nftSet
	ProxyPort             int

	// MTA host.
	AppAllowlist         bool
	AppV4, AppV6         nftSet
	Prometheus           bool
	PromV4, PromV6       nftSet
	NodeExporterPort     int
	ProxyV4, ProxyV6     nftSet
	ListenerPort         int
	SMTPPort             int
	BackendV4, BackendV6 string
	BackendPort          int
	WebhookPort          int

	// Proxy host.
	MTAV4, MTAV6 nftSet
	StatusPorts  []int
}

// splitSets splits prefixes into an IPv4 and an IPv6 nftables interval
// set named name_v4 and name_v6.
func splitSets(name string, prefixes []netip.Prefix) (v4, v6 nftSet) {
	v4 = nftSet{Name: name + "_v4", Type: "ipv4_addr"}
	v6 = nftSet{Name: name + "_v6", Type: "ipv6_addr"}
	for _, p := range prefixes {
		s := p.String()
		if p.IsSingleIP() {
			s = p.Addr().String()
		}
		if p.Addr().Is4() {
			v4.Elements = append(v4.Elements, s)
		} else {
			v6.Elements = append(v6.Elements, s)
		}
	}
	return v4, v6
}

// RenderFirewall returns the nftables rules file for host: a `table inet
// kumoup` of its own, input policy drop with SSH, ICMP and replies accepted
// first, and the ports of the README's table. Only the answers the rules
// use must validate (proxy_host, proxy_port, listener, webhook_url when
// set, firewall.*, smtp_proxy.*): a proxy host's answers need no tokens.
// The MTA host needs proxy_host as an IP address, the proxy host needs
// firewall.mta_addresses.
func RenderFirewall(d model.Deployment, h Host, l Layout) (File, error) {
	if err := hostProblems(d); err != nil {
		return File{}, fmt.Errorf("render firewall: %w", err)
	}
	f := d.Firewall
	rv4, rv6 := splitSets("resolvers", model.ParsePrefixes(f.Resolvers))
	data := firewallData{
		Host:        string(h),
		HostTitle:   h.Title(),
		Path:        l.FirewallFile(h),
		SSHPort:     f.SSHPortOrDefault(),
		Strict:      f.OutboundOrDefault() == model.OutboundStrict,
		Resolvers:   len(f.Resolvers) > 0,
		ResolversV4: rv4,
		ResolversV6: rv6,
	}
	var tmpl string
	switch h {
	case HostMTA:
		proxy, err := netip.ParseAddr(d.ProxyHost)
		if err != nil {
			return File{}, fmt.Errorf("render firewall: proxy_host %q: the MTA host's rules allow port %d to the proxy's IP address only; give proxy_host as an IP address", d.ProxyHost, d.ProxyPort)
		}
		data.ProxyPort = d.ProxyPort
		data.ProxyV4, data.ProxyV6 = splitSets("proxy", []netip.Prefix{netip.PrefixFrom(proxy.Unmap(), proxy.Unmap().BitLen())})
		data.AppAllowlist = len(f.AppAddresses) > 0
		data.AppV4, data.AppV6 = splitSets("app", model.ParsePrefixes(f.AppAddresses))
		data.Prometheus = len(f.PrometheusAddresses) > 0
		data.PromV4, data.PromV6 = splitSets("prometheus", model.ParsePrefixes(f.PrometheusAddresses))
		data.NodeExporterPort = NodeExporterPort
		data.ListenerPort = d.ListenerPort()
		data.WebhookPort = webhookPort(d)
		if s := d.SMTPProxy; s.Enabled {
			data.SMTPPort = s.ListenPort()
			be := netip.MustParseAddrPort(s.Backend)
			if a := be.Addr().Unmap(); !a.IsLoopback() {
				data.BackendPort = int(be.Port())
				if a.Is4() {
					data.BackendV4 = a.String()
				} else {
					data.BackendV6 = a.String()
				}
			}
		}
		tmpl = "nftables-mta.nft.tmpl"
	case HostProxy:
		if len(f.MTAAddresses) == 0 {
			return File{}, errors.New("render firewall: firewall.mta_addresses is required for the KumoProxy host: list the MTA host's address(es) as the proxy sees them; they are the only sources allowed to reach the proxy port")
		}
		listen, err := netip.ParseAddrPort(d.ProxyListenAddress())
		if err != nil {
			return File{}, fmt.Errorf("render firewall: KumoProxy listens on %q, which is not ip:port: set firewall.proxy_listen or give proxy_host as an IP address", d.ProxyListenAddress())
		}
		data.ProxyPort = int(listen.Port())
		data.MTAV4, data.MTAV6 = splitSets("mta", model.ParsePrefixes(f.MTAAddresses))
		data.StatusPorts = proxyStatusPorts(d)
		tmpl = "nftables-proxy.nft.tmpl"
	default:
		return File{}, fmt.Errorf("render firewall: unknown host %q", h)
	}
	content, err := execute(tmpl, data)
	if err != nil {
		return File{}, err
	}
	return File{Name: "nftables rules (" + h.Title() + ")", Path: data.Path, Root: l.Root, Mode: 0o644, Content: content}, nil
}

// hostProblems validates the answers the firewall and the proxy host's
// files are made of.
func hostProblems(d model.Deployment) error {
	p := d.Validate()
	var kept model.Problems
	for _, e := range p.Errors {
		switch {
		case e.Field == "proxy_host", e.Field == "proxy_port", e.Field == "listener",
			e.Field == "webhook_url" && d.WebhookURL != "",
			strings.HasPrefix(e.Field, "firewall."), strings.HasPrefix(e.Field, "smtp_proxy."):
			kept.Errors = append(kept.Errors, e)
		}
	}
	// Rules accept SSH from anywhere before anything else: a port shared
	// with KumoProxy or the status listener would open those to everyone.
	ssh := d.Firewall.SSHPortOrDefault()
	if ap, err := netip.ParseAddrPort(d.ProxyListenAddress()); err == nil && int(ap.Port()) == ssh {
		kept.Errors = append(kept.Errors, model.Problem{Field: "firewall.ssh_port", Message: fmt.Sprintf("%d is also KumoProxy's port: SSH is accepted from anywhere, so the proxy would be too; give sshd's real port", ssh)})
	}
	if d.ListenerPort() == ssh {
		kept.Errors = append(kept.Errors, model.Problem{Field: "firewall.ssh_port", Message: fmt.Sprintf("%d is also kumod's HTTP listener port (listener): SSH is accepted from anywhere, so the admin API would be too; give sshd's real port", ssh)})
	}
	if ap, err := netip.ParseAddrPort(d.Firewall.ProxyStatusListen); err == nil && int(ap.Port()) == ssh {
		kept.Errors = append(kept.Errors, model.Problem{Field: "firewall.ssh_port", Message: fmt.Sprintf("%d is also KumoProxy's status port (firewall.proxy_status_listen): choose another status port", ssh)})
	}
	return kept.Err()
}

// proxyStatusPorts are the HTTP listener ports closed to the outside on the
// proxy host: kumod's 8000 (the HTTP listener's default), KumoProxy's
// suggested 8080 and the configured status port.
func proxyStatusPorts(d model.Deployment) []int {
	ports := []int{8000, model.DefaultProxyStatusPort}
	if ap, err := netip.ParseAddrPort(d.Firewall.ProxyStatusListen); err == nil {
		ports = append(ports, int(ap.Port()))
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

// NftBinary is the nft program CheckRules and LoadRules run ("" finds nft
// in PATH).
var NftBinary = ""

// ErrNoNft is wrapped by the errors of CheckRules, CheckRulesContent and
// CanonicalTable when nft is not installed: the rules could not be
// validated, which says nothing about the rules themselves.
var ErrNoNft = errors.New("nft not found")

func nftPath() (string, error) {
	bin := NftBinary
	if bin == "" {
		bin = "nft"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: install it with `apt-get install nftables`: %w", ErrNoNft, err)
	}
	return p, nil
}

// CheckRules validates an nftables rules file with `nft -c -f` without
// loading it. The check runs in a throwaway network namespace (`unshare
// -n`, or `unshare -rn` without root) so it cannot touch the host's tables
// even in principle; without unshare, root checks directly (check mode
// commits nothing).
func CheckRules(ctx context.Context, path string) error {
	nft, err := nftPath()
	if err != nil {
		return err
	}
	args := []string{nft, "-c", "-f", path}
	if _, err := exec.LookPath("unshare"); err == nil {
		flag := "-n"
		if os.Geteuid() != 0 {
			flag = "-rn"
		}
		args = append([]string{"unshare", flag}, args...)
	}
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("nft -c -f %s: %w\n%s", path, err, bytes.TrimSpace(out))
	}
	return nil
}

// CheckRulesContent is CheckRules on content, written to a temporary file.
func CheckRulesContent(ctx context.Context, content []byte) error {
	tmp, err := os.CreateTemp("", "kumoup-*.nft")
	if err != nil {
		return fmt.Errorf("check rules: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("check rules: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("check rules: %w", err)
	}
	return CheckRules(ctx, tmp.Name())
}

// CanonicalTable loads content into a throwaway network namespace and
// returns `nft list table inet kumoup` as nft prints it there: the form to
// compare with the live table. It needs root (or user namespaces).
func CanonicalTable(ctx context.Context, content []byte) (string, error) {
	nft, err := nftPath()
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("", "kumoup-*.nft")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return "", err
	}
	tmp.Close()
	flag := "-n"
	if os.Geteuid() != 0 {
		flag = "-rn"
	}
	script := `"$0" -f "$1" && "$0" list table inet kumoup`
	out, err := exec.CommandContext(ctx, "unshare", flag, "sh", "-c", script, nft, tmp.Name()).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("load rules in a throwaway namespace: %w\n%s", err, bytes.TrimSpace(out))
	}
	return string(out), nil
}
