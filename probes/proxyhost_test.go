package probes

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

func proxyHostDeployment() model.Deployment {
	return model.Deployment{
		Domain: "mta.example.com", InjectionToken: "inj_" + strings.Repeat("A", 39), WebhookToken: "whk_" + strings.Repeat("B", 39),
		WebhookURL: "https://app.example.com/e", ProxyHost: "127.0.0.1", ProxyPublicIP: "8.8.4.4", HELO: "mail.example.com",
		Firewall: model.Firewall{MTAAddresses: []string{"10.0.0.4"}},
	}.WithDefaults()
}

func proxyHostRun(t *testing.T, target *Target, o ProxyHostOptions, id string) Result {
	t.Helper()
	checks, err := Select(ProxyHostCatalogue(o), []string{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Run(context.Background(), target, checks)[0]
}

func proxyHostListen(t *testing.T, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func TestProxyHostCatalogueOrder(t *testing.T) {
	var ids []string
	for _, c := range ProxyHostCatalogue(ProxyHostOptions{}) {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "proxy.listener proxy.status proxy.firewall proxy.outbound25" {
		t.Fatalf("catalogue %s", got)
	}
}

func TestProxyListenerCheckReadsTheKernelSocketTable(t *testing.T) {
	cases := []struct {
		name   string
		listen string // where the test listens
		host   string // proxy_host the deployment expects
		status Status
		want   string
	}{
		{"bound to the private address", "127.0.0.1:0", "127.0.0.1", StatusPass, "LISTEN on 127.0.0.1:"},
		{"bound to every address", "0.0.0.0:0", "127.0.0.2", StatusWarn, "every address"},
		{"bound to another address", "127.0.0.1:0", "127.0.0.2", StatusFail, "not to 127.0.0.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := proxyHostListen(t, c.listen)
			d := proxyHostDeployment()
			d.ProxyHost, d.ProxyPort = c.host, port
			wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{}, "proxy.listener"), c.status, c.want)
		})
	}
	t.Run("nothing listens", func(t *testing.T) {
		d := proxyHostDeployment()
		d.ProxyPort = netnstest.FreePort(t)
		wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{}, "proxy.listener"), StatusFail, "nothing listens", "systemctl enable --now kumoproxy")
	})
}

// proxyHostProc writes a fake /proc with one LISTEN socket in net/tcp.
func proxyHostProc(t *testing.T, hexAddr string) string {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "net"), 0o755)
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: " + hexAddr + " 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
	os.WriteFile(filepath.Join(root, "net", "tcp"), []byte(table), 0o644)
	return root
}

func TestProxyStatusCheck(t *testing.T) {
	d := proxyHostDeployment()
	t.Run("no status listener configured and none exposed", func(t *testing.T) {
		wantResult(t, proxyHostRun(t, &Target{Deployment: d, ProcRoot: proxyHostProc(t, "0100007F:1F40")}, ProxyHostOptions{}, "proxy.status"), StatusPass, "plain --listen form")
	})
	t.Run("status listener on loopback", func(t *testing.T) {
		port := proxyHostListen(t, "127.0.0.1:0")
		d := d
		d.Firewall.ProxyStatusListen = fmt.Sprintf("127.0.0.1:%d", port)
		wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{}, "proxy.status"), StatusPass, "status listener on 127.0.0.1:")
	})
	t.Run("configured status listener not running", func(t *testing.T) {
		d := d
		d.Firewall.ProxyStatusListen = fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
		wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{}, "proxy.status"), StatusFail, "nothing listens", "proxy.start_http_listener")
	})
	t.Run("a status port on every address", func(t *testing.T) {
		wantResult(t, proxyHostRun(t, &Target{Deployment: d, ProcRoot: proxyHostProc(t, "00000000:1F90")}, ProxyHostOptions{}, "proxy.status"), StatusFail, "0.0.0.0:8080, outside loopback")
	})
}

func TestProxyOutbound25Check(t *testing.T) {
	d := proxyHostDeployment()
	wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{}, "proxy.outbound25"), StatusSkip, "--test-mx")
	mx := netnstest.StartSMTPSink(t, nil, "127.0.0.1:0")
	_, mxPort, _ := net.SplitHostPort(mx.Addr)
	// The detail and the remedy name the port actually used, not 25.
	wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{TestMX: mx.Addr}, "proxy.outbound25"), StatusPass, "220 sink.test", "on port "+mxPort+":")
	closedPort := netnstest.FreePort(t)
	closed := fmt.Sprintf("127.0.0.1:%d", closedPort)
	wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{TestMX: closed}, "proxy.outbound25"), StatusFail, fmt.Sprintf("outbound port %d is blocked", closedPort), fmt.Sprintf("tcp dport %d out", closedPort))
	// Something that is not SMTP on the port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
			c.Close()
		}
	}()
	wantResult(t, proxyHostRun(t, &Target{Deployment: d}, ProxyHostOptions{TestMX: ln.Addr().String()}, "proxy.outbound25"), StatusFail, "greeting")
}

func TestProxyFirewallCheckInNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	netnstest.Require(t, "nft", "unshare")
	const pubIP, mtaIP, proxyIP = "198.18.2.1", "198.18.2.2", "198.18.2.3"
	lan := netnstest.NewLAN(t)
	pub, mta, proxy := netnstest.New(t), netnstest.New(t), netnstest.New(t)
	lan.Attach(t, pub, pubIP+"/24")
	lan.Attach(t, mta, mtaIP+"/24")
	lan.Attach(t, proxy, proxyIP+"/24")
	socks, err := proxy.Listen("tcp", "0.0.0.0:5000")
	if err != nil {
		t.Fatal(err)
	}
	closeEachConn(t, socks)
	d := proxyHostDeployment()
	d.ProxyHost = proxyIP
	d.Firewall.MTAAddresses = []string{mtaIP}
	target := &Target{Deployment: d}
	o := ProxyHostOptions{Nft: []string{"ip", "netns", "exec", proxy.Name, "nft"}}
	load := func(d model.Deployment) {
		f, err := writer.RenderFirewall(d, writer.HostProxy, writer.Layout{})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "rules.nft")
		os.WriteFile(p, f.Content, 0o644)
		proxy.MustRun(t, "nft", "-f", p)
	}

	wantResult(t, proxyHostRun(t, target, o, "proxy.firewall"), StatusFail, "no `table inet kumoup` is loaded", "kumoup firewall --host proxy --apply")

	load(d)
	// Traffic counted by the rules must not matter to the comparison.
	if ok, err := mta.Reachable(proxyIP+":5000", 3*time.Second); !ok {
		t.Fatalf("the MTA namespace cannot reach KumoProxy: %v", err)
	}
	if ok, _ := pub.Reachable(proxyIP+":5000", 400*time.Millisecond); ok {
		t.Fatal("the public namespace reaches KumoProxy through the rules")
	}
	wantResult(t, proxyHostRun(t, target, o, "proxy.firewall"), StatusPass, "port 5000 from "+mtaIP+" only")

	other := d
	other.Firewall.MTAAddresses = []string{pubIP}
	load(other)
	if ok, _ := pub.Reachable(proxyIP+":5000", 3*time.Second); !ok {
		t.Fatal("the rules for the wrong address should have let the public namespace in")
	}
	wantResult(t, proxyHostRun(t, target, o, "proxy.firewall"), StatusFail, "differs", pubIP)
}

func TestListeningOnFindsARealListener(t *testing.T) {
	port := proxyHostListen(t, "127.0.0.1:0")
	got, err := ListeningOn("", port)
	if err != nil || len(got) != 1 || got[0].String() != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Fatalf("ListeningOn(%d) = %v, %v", port, got, err)
	}
	if got, _ := ListeningOn("", netnstest.FreePort(t)); len(got) != 0 {
		t.Fatalf("a free port listed as listening: %v", got)
	}
}
