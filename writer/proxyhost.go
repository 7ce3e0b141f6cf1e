package writer

import (
	"fmt"
	"net/netip"

	"github.com/kumoup/kumoup/model"
)

// Paths on the KumoProxy host.
const (
	// ProxyServerBinary is KumoProxy's executable, from the kumomta package.
	ProxyServerBinary = "/opt/kumomta/sbin/proxy-server"
	// ProxyUnitPath is the systemd unit kumoup writes for it (the package
	// ships none).
	ProxyUnitPath = "/etc/systemd/system/kumoproxy.service"
	// ProxyConfigPath is the Lua --proxy-config written when a status
	// listener is wanted (firewall.proxy_status_listen).
	ProxyConfigPath = "/opt/kumomta/etc/kumoproxy.lua"
)

// ProxyUnit is kumoproxy.service under the root.
func (l Layout) ProxyUnit() string { return l.Path(ProxyUnitPath) }

// ProxyConfig is KumoProxy's Lua configuration under the root.
func (l Layout) ProxyConfig() string { return l.Path(ProxyConfigPath) }

// RenderProxyHost returns the KumoProxy host's files: the systemd unit
// kumoproxy.service (proxy-server on the private address, hardened), the
// Lua --proxy-config when firewall.proxy_status_listen asks for a status
// listener, and, always last, the host's nftables rules. Like
// RenderFirewall it needs only the answers it uses (no tokens, no domain).
func RenderProxyHost(d model.Deployment, l Layout) ([]File, error) {
	if err := hostProblems(d); err != nil {
		return nil, fmt.Errorf("render proxy host: %w", err)
	}
	listen, err := netip.ParseAddrPort(d.ProxyListenAddress())
	if err != nil {
		return nil, fmt.Errorf("render proxy host: KumoProxy would listen on %q, which is not ip:port: give proxy_host as the proxy's private IP address, or set firewall.proxy_listen", d.ProxyListenAddress())
	}
	data := map[string]any{
		"Binary":         ProxyServerBinary,
		"Listen":         listen.String(),
		"StatusListen":   d.Firewall.ProxyStatusListen,
		"Config":         "",
		"FirewallFile":   l.FirewallFile(HostProxy),
		"BindCapability": listen.Port() < 1024,
	}
	var files []File
	if d.Firewall.ProxyStatusListen != "" {
		data["Config"] = l.ProxyConfig()
		lua, err := execute("kumoproxy.lua.tmpl", data)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: "KumoProxy configuration", Path: l.ProxyConfig(), Mode: 0o644, Content: lua})
	}
	unit, err := execute("kumoproxy.service.tmpl", data)
	if err != nil {
		return nil, err
	}
	fw, err := RenderFirewall(d, HostProxy, l)
	if err != nil {
		return nil, err
	}
	files = append([]File{{Name: "KumoProxy systemd unit", Path: l.ProxyUnit(), Mode: 0o644, Content: unit}}, files...)
	return inLayout(l, append(files, fw)), nil
}
