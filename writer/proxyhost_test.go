package writer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestProxyHostFilesMatchGoldenFiles(t *testing.T) {
	status := firewallDeployment()
	status.Firewall.ProxyStatusListen = "127.0.0.1:8080"
	cases := []struct {
		name  string
		d     model.Deployment
		files int
	}{
		{"plain", firewallDeployment(), 2},
		{"status", status, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files, err := RenderProxyHost(c.d, Layout{})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != c.files {
				t.Fatalf("%d files, want %d", len(files), c.files)
			}
			for _, f := range files {
				if f.Mode != 0o644 || f.Sensitive() {
					t.Errorf("%s: mode %o sensitive %v", f.Path, f.Mode, f.Sensitive())
				}
				goldenHostFile(t, filepath.Join("testdata", "golden", "proxyhost-"+c.name+"-"+filepath.Base(f.Path)), f.Content)
			}
		})
	}
}

func TestProxyUnitListensOnThePrivateAddress(t *testing.T) {
	files, err := RenderProxyHost(firewallDeployment(), Layout{})
	if err != nil {
		t.Fatal(err)
	}
	unit := string(files[0].Content)
	if !strings.Contains(unit, "ExecStart=/opt/kumomta/sbin/proxy-server --listen 10.0.0.5:5000\n") {
		t.Fatalf("unit does not start proxy-server on proxy_host:proxy_port:\n%s", unit)
	}
	if strings.Contains(unit, "AmbientCapabilities") {
		t.Fatal("an unprivileged port needs no capability")
	}
	d := firewallDeployment()
	d.Firewall.ProxyListen = "[2001:db8::5]:1080"
	d.Firewall.ProxyStatusListen = "127.0.0.1:8081"
	files, err = RenderProxyHost(d, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files[0].Content), "--proxy-config /opt/kumomta/etc/kumoproxy.lua") ||
		!strings.Contains(string(files[1].Content), "listen = '[2001:db8::5]:1080'") ||
		!strings.Contains(string(files[1].Content), "listen = '127.0.0.1:8081'") {
		t.Fatalf("status listener form:\n%s\n%s", files[0].Content, files[1].Content)
	}
}

func TestProxyUnitOnAPrivilegedPortGetsOnlyBindCapability(t *testing.T) {
	d := firewallDeployment()
	d.Firewall.ProxyListen = "10.0.0.5:443"
	files, err := RenderProxyHost(d, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	if u := string(files[0].Content); !strings.Contains(u, "AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n") {
		t.Fatalf("privileged port without the bind capability:\n%s", u)
	}
}

func TestProxyHostNeedsMTAAddresses(t *testing.T) {
	if _, err := RenderProxyHost(testDeployment(), Layout{}); err == nil || !strings.Contains(err.Error(), "firewall.mta_addresses") {
		t.Fatalf("want the missing mta_addresses named, got %v", err)
	}
}

func TestProxyUnitPassesSystemdVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs systemd-analyze")
	}
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Fatal("systemd-analyze not found: install it with `apt-get install -y systemd`")
	}
	for _, status := range []string{"", "127.0.0.1:8080"} {
		d := firewallDeployment()
		d.Firewall.ProxyStatusListen = status
		files, err := RenderProxyHost(d, Layout{})
		if err != nil {
			t.Fatal(err)
		}
		// proxy-server is not installed here: verify every other line
		// against a binary that exists.
		unit := bytes.ReplaceAll(files[0].Content, []byte(ProxyServerBinary), []byte("/bin/true"))
		p := filepath.Join(t.TempDir(), "kumoproxy.service")
		if err := os.WriteFile(p, unit, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("systemd-analyze", "verify", p).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
		}
	}
}

func TestProxyHostNeedsNoTokensOrDomain(t *testing.T) {
	d := model.Deployment{ProxyHost: "10.0.0.5", Firewall: model.Firewall{MTAAddresses: []string{"10.0.0.4"}}}.WithDefaults()
	if _, err := RenderProxyHost(d, Layout{}); err != nil {
		t.Fatalf("a proxy host's answers are enough: %v", err)
	}
	d.ProxyHost = ""
	if _, err := RenderProxyHost(d, Layout{}); err == nil || !strings.Contains(err.Error(), "proxy_host") {
		t.Fatalf("missing proxy_host: %v", err)
	}
}
