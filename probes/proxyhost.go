package probes

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"os/exec"
	"regexp"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// ProxyHostOptions is what the KumoProxy host's checks need besides the
// deployment.
type ProxyHostOptions struct {
	// TestMX, when set ("mx.example.net:25"), is an MX the outbound-25
	// check connects to. Empty skips that check.
	TestMX string
	// Nft is the command that prints the live rules, before its "list
	// table inet kumoup" arguments; nil means {"nft"}.
	Nft []string
}

// ProxyHostCatalogue returns the checks `kumoup proxy --check` runs on the
// KumoProxy host, in order: proxy.listener, proxy.status, proxy.firewall,
// proxy.outbound25.
func ProxyHostCatalogue(o ProxyHostOptions) []Check {
	return []Check{
		{ID: "proxy.listener", Title: "KumoProxy listens on the private address", Run: checkProxyListener},
		{ID: "proxy.status", Title: "HTTP status listeners are on loopback only", Run: checkProxyStatus},
		{ID: "proxy.firewall", Title: "KumoProxy's port accepts the MTA host(s) only (firewall loaded as rendered)", Run: func(ctx context.Context, t *Target) Result {
			return checkProxyFirewall(ctx, t, o.Nft)
		}},
		{ID: "proxy.outbound25", Title: "Outbound SMTP (port 25) reaches an MX", Run: func(ctx context.Context, t *Target) Result {
			return checkProxyOutbound25(ctx, t, o.TestMX)
		}},
	}
}

func checkProxyListener(ctx context.Context, t *Target) Result {
	want, err := netip.ParseAddrPort(t.Deployment.ProxyListenAddress())
	if err != nil {
		return Fail("give proxy_host as the proxy's private IP address, or set firewall.proxy_listen", "KumoProxy's listen address %q is not ip:port", t.Deployment.ProxyListenAddress())
	}
	want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
	all, read, err := procTCPListeners(t)
	if err != nil {
		return Skip("cannot read the socket tables: %v", err)
	}
	var onPort []string
	for _, ap := range all {
		if ap.Port() != want.Port() {
			continue
		}
		switch {
		case ap == want:
			return Pass("%s: LISTEN on %s", read, want)
		case ap.Addr().IsUnspecified():
			return Warn("bind KumoProxy to the private address only: "+writer.Command(t.Layout, "proxy")+" rewrites kumoproxy.service with --listen "+want.String()+", then systemctl daemon-reload && systemctl restart kumoproxy",
				"%s: LISTEN on %s, every address including the public one: only the firewall keeps port %d private", read, ap, want.Port())
		}
		onPort = append(onPort, ap.String())
	}
	if len(onPort) > 0 {
		return Fail("run "+writer.Command(t.Layout, "proxy")+" so kumoproxy.service listens on "+want.String()+", then systemctl daemon-reload && systemctl restart kumoproxy",
			"%s: port %d is bound to %s, not to %s", read, want.Port(), strings.Join(onPort, ", "), want.Addr())
	}
	return Fail("start KumoProxy: systemctl enable --now kumoproxy; if it fails, journalctl -u kumoproxy (the private address must be configured on this host)",
		"%s: nothing listens on %s", read, want)
}

func checkProxyStatus(ctx context.Context, t *Target) Result {
	all, read, err := procTCPListeners(t)
	if err != nil {
		return Skip("cannot read the socket tables: %v", err)
	}
	ports := map[uint16]bool{8000: true, 8080: true}
	status, _ := netip.ParseAddrPort(t.Deployment.Firewall.ProxyStatusListen)
	if status.IsValid() {
		ports[status.Port()] = true
	}
	var running bool
	for _, ap := range all {
		if !ports[ap.Port()] {
			continue
		}
		if !ap.Addr().IsLoopback() {
			return Fail("bind the HTTP listener to loopback (firewall.proxy_status_listen: 127.0.0.1:8080, then "+writer.Command(t.Layout, "proxy")+"); the firewall drops the port meanwhile",
				"%s: an HTTP status/metrics port listens on %s, outside loopback", read, ap)
		}
		if status.IsValid() && ap == netip.AddrPortFrom(status.Addr().Unmap(), status.Port()) {
			running = true
		}
	}
	switch {
	case status.IsValid() && !running:
		return Fail("KumoProxy's status listener needs a build with --proxy-config and proxy.start_http_listener: check journalctl -u kumoproxy; with an older build remove firewall.proxy_status_listen and rerun "+writer.Command(t.Layout, "proxy"),
			"%s: nothing listens on %s (firewall.proxy_status_listen)", read, status)
	case status.IsValid():
		return Pass("%s: status listener on %s, nothing on 8000/8080 outside loopback", read, status)
	}
	return Pass("%s: no status listener configured (plain --listen form) and nothing on 8000/8080 outside loopback", read)
}

// nftCounters are the values nft prints for counters: they differ between
// the live table and a freshly loaded one.
var nftCounters = regexp.MustCompile(`counter packets \d+ bytes \d+`)

func normaliseTable(s string) string {
	return strings.TrimSpace(nftCounters.ReplaceAllString(s, "counter"))
}

func checkProxyFirewall(ctx context.Context, t *Target, nft []string) Result {
	f, err := writer.RenderFirewall(t.Deployment, writer.HostProxy, t.Layout)
	if err != nil {
		return Fail("fix the answers named, then "+writer.Command(t.Layout, "firewall", "--host", "proxy"), "cannot render the proxy host's rules: %v", err)
	}
	want, err := writer.CanonicalTable(ctx, f.Content)
	if err != nil {
		return Skip("cannot load the rendered rules into a throwaway namespace to compare: %v", err)
	}
	if len(nft) == 0 {
		nft = []string{"nft"}
	}
	args := append(append([]string{}, nft[1:]...), "list", "table", "inet", "kumoup")
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, nft[0], args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	apply := "load the rules: " + writer.FirewallApplyCommand(t.Layout, "proxy") + " (and include " + f.Path + " from " + t.Layout.Path("/etc/nftables.conf") + " to keep them after a reboot)"
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "No such file or directory") || strings.Contains(msg, "does not exist") {
			return Fail(apply, "no `table inet kumoup` is loaded: port %d is as open as the other tables leave it", portOf(t.Deployment.ProxyListenAddress()))
		}
		return Skip("cannot list the live rules (%s): %v %s", strings.Join(nft, " "), err, msg)
	}
	got := stdout.String()
	if normaliseTable(got) != normaliseTable(want) {
		return Fail("re-apply the rendered rules: "+writer.FirewallApplyCommand(t.Layout, "proxy")+" (edits belong in the answers, then "+writer.Command(t.Layout, "firewall")+")",
			"the live `table inet kumoup` differs from %s: %s", f.Path, firstDifference(normaliseTable(want), normaliseTable(got)))
	}
	return Pass("the live `table inet kumoup` matches %s: port %d from %s only, input policy drop", f.Path, portOf(t.Deployment.ProxyListenAddress()), strings.Join(t.Deployment.Firewall.MTAAddresses, ", "))
}

func portOf(addrPort string) int {
	ap, err := netip.ParseAddrPort(addrPort)
	if err != nil {
		return 0
	}
	return int(ap.Port())
}

// firstDifference names the first line where want and got differ.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = strings.TrimSpace(w[i])
		}
		if i < len(g) {
			gl = strings.TrimSpace(g[i])
		}
		if wl != gl {
			return fmt.Sprintf("line %d is %q, want %q", i+1, gl, wl)
		}
	}
	return "no line differs"
}

func checkProxyOutbound25(ctx context.Context, t *Target, mx string) Result {
	if mx == "" {
		return Skip("no test MX given: pass --test-mx HOST:25 (an MX you may connect to, like your own domain's)")
	}
	port := "25"
	if _, p, err := net.SplitHostPort(mx); err == nil {
		port = p
	}
	conn, err := t.DialContext(ctx, "tcp", mx)
	if err != nil {
		return Fail(fmt.Sprintf("outbound port %s is blocked: many clouds block port 25 by default (ask the provider to lift it); the proxy host's firewall must accept tcp dport %s out (%s)", port, port, writer.Command(t.Layout, "firewall", "--host", "proxy")),
			"connect to %s: %v", mx, err)
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()
	c := textproto.NewConn(conn)
	code, msg, err := c.ReadResponse(220)
	if err != nil {
		return Fail("check that "+mx+" is an SMTP server; something between this host and it may intercept port "+port,
			"connected to %s but its greeting was %d %q: %v", mx, code, firstLine(msg), err)
	}
	c.PrintfLine("QUIT")
	return Pass("connected to %s on port %s: 220 %s", mx, port, firstLine(msg))
}

// ListeningOn returns the addresses with a LISTEN socket on port, read from
// procRoot's net/tcp and net/tcp6 ("" means /proc). `kumoup firewall
// --apply` uses it to refuse rules whose SSH port nothing listens on.
func ListeningOn(procRoot string, port int) ([]netip.AddrPort, error) {
	all, _, err := procTCPListeners(&Target{ProcRoot: procRoot})
	if err != nil {
		return nil, err
	}
	var out []netip.AddrPort
	for _, ap := range all {
		if int(ap.Port()) == port {
			out = append(out, ap)
		}
	}
	return out, nil
}
