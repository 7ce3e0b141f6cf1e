package writer

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func firewallDeployment() model.Deployment {
	d := testDeployment()
	d.Firewall.MTAAddresses = []string{"10.0.0.4"}
	return d
}

func firewallCases() map[string]struct {
	host Host
	d    model.Deployment
} {
	allow := firewallDeployment()
	allow.Firewall.AppAddresses = []string{"203.0.113.7", "198.51.100.0/24", "2001:db8:1::/48"}
	allow.Firewall.Resolvers = []string{"10.0.0.2", "2001:db8::53"}
	strict := firewallDeployment()
	strict.Firewall.Outbound = model.OutboundStrict
	strict.Firewall.Resolvers = []string{"10.0.0.2"}
	strict.Firewall.SSHPort = 2222
	strict.WebhookURL = "https://app.example.com:8443/events"
	smtp := allow
	smtp.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "10.0.0.9:2525"}
	prom := allow
	prom.Firewall.PrometheusAddresses = []string{"192.0.2.9", "2001:db8:9::9"}
	proxyStrict := strict
	proxyStrict.Firewall.ProxyStatusListen = "127.0.0.1:9090"
	proxyStrict.Firewall.MTAAddresses = []string{"10.0.0.4", "2001:db8::4"}
	return map[string]struct {
		host Host
		d    model.Deployment
	}{
		"mta-open":            {HostMTA, firewallDeployment()},
		"mta-allowlist":       {HostMTA, allow},
		"mta-strict":          {HostMTA, strict},
		"mta-smtp-proxy":      {HostMTA, smtp},
		"mta-prometheus":      {HostMTA, prom},
		"proxy-guarded":       {HostProxy, firewallDeployment()},
		"proxy-strict-status": {HostProxy, proxyStrict},
	}
}

func TestFirewallRulesMatchGoldenFiles(t *testing.T) {
	for name, c := range firewallCases() {
		t.Run(name, func(t *testing.T) {
			f, err := RenderFirewall(c.d, c.host, Layout{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Mode != 0o644 || f.Path != "/etc/kumoup/nftables-"+string(c.host)+".nft" || f.Sensitive() {
				t.Fatalf("file %s mode %o sensitive %v", f.Path, f.Mode, f.Sensitive())
			}
			goldenHostFile(t, filepath.Join("testdata", "golden", "nftables-"+name+".nft"), f.Content)
		})
	}
}

func TestFirewallRulesPassNftCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	ctx := context.Background()
	for name, c := range firewallCases() {
		t.Run(name, func(t *testing.T) {
			f, err := RenderFirewall(c.d, c.host, Layout{})
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckRulesContent(ctx, f.Content); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNftCheckRejectsBrokenRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	err := CheckRulesContent(context.Background(), []byte("table inet kumoup { chain input { tcp dport 22 acept } }\n"))
	if err == nil || !strings.Contains(err.Error(), "acept") {
		t.Fatalf("want nft's complaint about the typo, got %v", err)
	}
}

func TestFirewallRulesReloadIdempotentlyInAThrowawayNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	f, err := RenderFirewall(firewallCases()["mta-allowlist"].d, HostMTA, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	// Loading twice in one namespace: the second load replaces the table.
	twice := append(append([]byte{}, f.Content...), f.Content...)
	one, err := CanonicalTable(context.Background(), f.Content)
	if err != nil {
		t.Fatal(err)
	}
	two, err := CanonicalTable(context.Background(), twice)
	if err != nil {
		t.Fatal(err)
	}
	if one != two {
		t.Fatalf("loading twice differs from loading once:\n%s\n---\n%s", one, two)
	}
	for _, want := range []string{"policy drop", "tcp dport 22 accept", "ip saddr @app_v4 tcp dport 443 accept", "198.51.100.0/24"} {
		if !strings.Contains(one, want) {
			t.Errorf("loaded table lacks %q:\n%s", want, one)
		}
	}
}

func TestFirewallRulesKeepSSHBeforeEveryDrop(t *testing.T) {
	for name, c := range firewallCases() {
		f, err := RenderFirewall(c.d, c.host, Layout{})
		if err != nil {
			t.Fatal(err)
		}
		s := string(f.Content)
		ssh := strings.Index(s, "tcp dport "+strconv.Itoa(c.d.Firewall.SSHPortOrDefault())+" accept")
		input := strings.Index(s, "chain input")
		firstDrop := strings.Index(s[input:], "counter drop")
		if ssh < 0 || firstDrop < 0 || ssh > input+firstDrop {
			t.Errorf("%s: the SSH accept must come before the first drop rule", name)
		}
	}
}

func TestFirewallAppAllowlistRestricts443(t *testing.T) {
	c := firewallCases()
	open, _ := RenderFirewall(c["mta-open"].d, HostMTA, Layout{})
	allow, _ := RenderFirewall(c["mta-allowlist"].d, HostMTA, Layout{})
	if !strings.Contains(string(open.Content), "\t\ttcp dport 443 accept") {
		t.Error("without app_addresses 443 must be open to all")
	}
	if strings.Contains(string(allow.Content), "\t\ttcp dport 443 accept") || !strings.Contains(string(allow.Content), "elements = { 203.0.113.7, 198.51.100.0/24 }") {
		t.Errorf("with app_addresses 443 must be restricted:\n%s", allow.Content)
	}
}

func TestFirewallRefusesWhatItCannotRender(t *testing.T) {
	d := testDeployment()
	if _, err := RenderFirewall(d, HostProxy, Layout{}); err == nil || !strings.Contains(err.Error(), "firewall.mta_addresses is required") {
		t.Fatalf("proxy host without mta_addresses: %v", err)
	}
	d.ProxyHost = "proxy.example.com"
	if _, err := RenderFirewall(d, HostMTA, Layout{}); err == nil || !strings.Contains(err.Error(), "give proxy_host as an IP address") {
		t.Fatalf("MTA host with a proxy host name: %v", err)
	}
	d = testDeployment()
	d.Firewall.AppAddresses = []string{"1.2.3.4 } accept"}
	if _, err := RenderFirewall(d, HostMTA, Layout{}); err == nil || !strings.Contains(err.Error(), "firewall.app_addresses[0]") {
		t.Fatalf("invalid app address: %v", err)
	}
}

func TestFirewallFileFollowsTheRoot(t *testing.T) {
	root := t.TempDir()
	f, err := RenderFirewall(firewallDeployment(), HostProxy, Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != filepath.Join(root, "etc/kumoup/nftables-proxy.nft") {
		t.Fatalf("path %s", f.Path)
	}
}

// goldenHostFile compares got with the golden file at path (go test -update rewrites it).
func goldenHostFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./writer -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (go test ./writer -update after checking the change):\n%s", path, maskedDiff(path, "rendered", want, got, nil))
	}
}

func TestFirewallRefusesAnSSHPortSharedWithKumoProxy(t *testing.T) {
	d := firewallDeployment()
	d.Firewall.SSHPort = 5000
	for _, h := range []Host{HostMTA, HostProxy} {
		if _, err := RenderFirewall(d, h, Layout{}); err == nil || !strings.Contains(err.Error(), "firewall.ssh_port: 5000 is also KumoProxy's port") {
			t.Fatalf("%s: %v", h, err)
		}
	}
}

func TestFirewallRefusesAnSSHPortSharedWithKumodsListener(t *testing.T) {
	d := firewallDeployment()
	d.Listener = "127.0.0.1:8100"
	d.Firewall.SSHPort = 8100
	if _, err := RenderFirewall(d, HostMTA, Layout{}); err == nil || !strings.Contains(err.Error(), "firewall.ssh_port: 8100 is also kumod's HTTP listener port") {
		t.Fatalf("ssh_port equal to the listener port: %v", err)
	}
	d.Firewall.SSHPort = 2222
	if _, err := RenderFirewall(d, HostMTA, Layout{}); err != nil {
		t.Fatalf("distinct ports refused: %v", err)
	}
}
