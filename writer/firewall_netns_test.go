package writer

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
)

// The simulated hosts' addresses: a benchmarking range (RFC 2544) and a
// unique local IPv6 prefix, configured only inside the test namespaces.
const (
	pubIP, mtaIP, proxyIP, appIP, resolverIP = "198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"
	pubIP6, mtaIP6, proxyIP6, appIP6         = "fd00:6b75::1", "fd00:6b75::2", "fd00:6b75::3", "fd00:6b75::4"
)

type hosts struct {
	pub, mta, proxy, app, resolver *netnstest.NS
}

func newHosts(t *testing.T) hosts {
	netnstest.Require(t, "nft")
	lan := netnstest.NewLAN(t)
	h := hosts{netnstest.New(t), netnstest.New(t), netnstest.New(t), netnstest.New(t), netnstest.New(t)}
	lan.Attach(t, h.pub, pubIP+"/24", pubIP6+"/64")
	lan.Attach(t, h.mta, mtaIP+"/24", mtaIP6+"/64")
	lan.Attach(t, h.proxy, proxyIP+"/24", proxyIP6+"/64")
	lan.Attach(t, h.app, appIP+"/24", appIP6+"/64")
	lan.Attach(t, h.resolver, resolverIP+"/24")
	// Every port listens on every address: the firewall alone decides.
	serve(t, h.mta, 22, 80, 443, 8000, 5000, NodeExporterPort)
	serve(t, h.proxy, 22, 5000, 8080)
	serve(t, h.pub, 25, 53, 443, 9999)
	serve(t, h.resolver, 53)
	return h
}

// serve runs a greeting echo server on each port ("[::]", both families).
func serve(t *testing.T, ns *netnstest.NS, ports ...int) {
	t.Helper()
	for _, p := range ports {
		ln, err := ns.Listen("tcp", "[::]:"+strconv.Itoa(p))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					io.WriteString(c, "ok\n")
					io.Copy(c, c)
				}()
			}
		}()
	}
}

type reach struct {
	name string
	from *netnstest.NS
	addr string
	want bool
}

// expect dials every case concurrently: reachable within 3 s, or not
// reachable within 400 ms (a dropped SYN never answers).
func expect(t *testing.T, cases []reach) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := 3 * time.Second
			if !c.want {
				timeout = 400 * time.Millisecond
			}
			ok, err := c.from.Reachable(c.addr, timeout)
			if ok != c.want {
				t.Errorf("%s: %s reachable = %v, want %v (%v)", c.name, c.addr, ok, c.want, err)
			}
		}()
	}
	wg.Wait()
}

func loadRules(t *testing.T, ns *netnstest.NS, d model.Deployment, h Host) {
	t.Helper()
	f, err := RenderFirewall(d, h, Layout{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "rules.nft")
	if err := os.WriteFile(p, f.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	ns.MustRun(t, "nft", "-f", p)
}

func netnsDeployment() model.Deployment {
	d := testDeployment()
	d.ProxyHost = proxyIP
	d.Firewall.MTAAddresses = []string{mtaIP, mtaIP6}
	d.Firewall.Resolvers = []string{resolverIP}
	return d
}

func hostRuleset(t *testing.T) string {
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset on the host: %v: %s", err, out)
	}
	return string(out)
}

func TestFirewallInNamespacesExposesOnlyTheTablesPorts(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	netnstest.Require(t, "nft")
	before := hostRuleset(t)
	t.Cleanup(func() {
		if after := hostRuleset(t); after != before {
			t.Errorf("the host's ruleset changed:\n%s\n---\n%s", before, after)
		}
	})
	h := newHosts(t)
	d := netnsDeployment()

	// An SSH session open before the rules load must survive them.
	ssh, err := h.pub.Dial(context.Background(), "tcp", net.JoinHostPort(mtaIP, "22"))
	if err != nil {
		t.Fatal(err)
	}
	defer ssh.Close()
	sshr := bufio.NewReader(ssh)
	if _, err := sshr.ReadString('\n'); err != nil {
		t.Fatal(err)
	}

	mta := func(port int) string { return net.JoinHostPort(mtaIP, strconv.Itoa(port)) }
	proxy := func(port int) string { return net.JoinHostPort(proxyIP, strconv.Itoa(port)) }
	pub := func(port int) string { return net.JoinHostPort(pubIP, strconv.Itoa(port)) }
	// Control: without rules everything listens openly, so each "cannot
	// reach" below is the firewall's doing.
	expect(t, []reach{
		{"without rules public reaches 8000", h.pub, mta(8000), true},
		{"without rules public reaches KumoProxy", h.pub, proxy(5000), true},
		{"without rules the MTA host sends SMTP", h.mta, pub(25), true},
	})
	loadRules(t, h.mta, d, HostMTA)
	loadRules(t, h.proxy, d, HostProxy)
	expect(t, []reach{
		{"public reaches SSH on the MTA host", h.pub, mta(22), true},
		{"public reaches 80 (ACME, redirect)", h.pub, mta(80), true},
		{"public reaches 443", h.pub, mta(443), true},
		{"public reaches 443 over IPv6 (neighbour discovery passes)", h.pub, "[" + mtaIP6 + "]:443", true},
		{"public cannot reach kumod's 8000", h.pub, mta(8000), false},
		{"public cannot reach 8000 over IPv6", h.pub, "[" + mtaIP6 + "]:8000", false},
		{"public cannot reach 5000 on the MTA host", h.pub, mta(5000), false},
		{"public cannot reach node_exporter's 9100 (no prometheus_addresses)", h.pub, mta(NodeExporterPort), false},
		{"kumod's 8000 answers on loopback", h.mta, "127.0.0.1:8000", true},
		{"the MTA host reaches KumoProxy's 5000", h.mta, proxy(5000), true},
		{"the MTA host reaches KumoProxy's 5000 over IPv6", h.mta, "[" + proxyIP6 + "]:5000", true},
		{"public cannot reach KumoProxy's 5000", h.pub, proxy(5000), false},
		{"the app cannot reach KumoProxy's 5000", h.app, proxy(5000), false},
		{"public reaches SSH on the proxy host", h.pub, proxy(22), true},
		{"KumoProxy's status port is closed to the public", h.pub, proxy(8080), false},
		{"KumoProxy's status port is closed to the MTA host", h.mta, proxy(8080), false},
		{"the MTA host cannot send SMTP directly", h.mta, pub(25), false},
		{"the MTA host asks the listed resolver", h.mta, net.JoinHostPort(resolverIP, "53"), true},
		{"the MTA host cannot ask another DNS server", h.mta, pub(53), false},
		{"guarded outbound lets other traffic leave the MTA host", h.mta, pub(9999), true},
		{"the proxy host sends SMTP anywhere", h.proxy, pub(25), true},
	})
	if _, err := io.WriteString(ssh, "still here\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := sshr.ReadString('\n'); err != nil || line != "still here\n" {
		t.Fatalf("the SSH session open before loading died: %q %v", line, err)
	}

	t.Run("app allowlist, reloaded over the open rules", func(t *testing.T) {
		d := d
		d.Firewall.AppAddresses = []string{appIP, appIP6}
		loadRules(t, h.mta, d, HostMTA)
		loadRules(t, h.mta, d, HostMTA) // idempotent: a second load replaces the table
		expect(t, []reach{
			{"the app reaches 443", h.app, mta(443), true},
			{"the app reaches 443 over IPv6", h.app, "[" + mtaIP6 + "]:443", true},
			{"public cannot reach 443", h.pub, mta(443), false},
			{"public still reaches 80", h.pub, mta(80), true},
			{"public still reaches SSH", h.pub, mta(22), true},
			{"the app cannot reach 8000", h.app, mta(8000), false},
		})
	})

	t.Run("prometheus addresses, with the app allowlist", func(t *testing.T) {
		d := d
		d.Firewall.AppAddresses = []string{appIP, appIP6}
		d.Firewall.PrometheusAddresses = []string{pubIP}
		loadRules(t, h.mta, d, HostMTA)
		expect(t, []reach{
			{"the listed Prometheus reaches 443 (kumod's /metrics)", h.pub, mta(443), true},
			{"the listed Prometheus reaches node_exporter's 9100", h.pub, mta(NodeExporterPort), true},
			{"the app still reaches 443", h.app, mta(443), true},
			{"the app cannot reach 9100", h.app, mta(NodeExporterPort), false},
			{"the listed Prometheus still cannot reach 8000", h.pub, mta(8000), false},
		})
	})

	t.Run("strict outbound", func(t *testing.T) {
		d := d
		d.Firewall.Outbound = model.OutboundStrict
		loadRules(t, h.mta, d, HostMTA)
		loadRules(t, h.proxy, d, HostProxy)
		expect(t, []reach{
			{"other traffic cannot leave the MTA host", h.mta, pub(9999), false},
			{"the MTA host still reaches KumoProxy", h.mta, proxy(5000), true},
			{"the MTA host still asks the resolver", h.mta, net.JoinHostPort(resolverIP, "53"), true},
			{"the MTA host reaches https anywhere (ACME, apt, webhooks)", h.mta, pub(443), true},
			{"the proxy host still sends SMTP", h.proxy, pub(25), true},
			{"other traffic cannot leave the proxy host", h.proxy, pub(9999), false},
			{"public still reaches SSH on both hosts", h.pub, mta(22), true},
			{"public still reaches SSH on the proxy", h.pub, proxy(22), true},
		})
		if _, err := io.WriteString(ssh, "strict\n"); err != nil {
			t.Fatal(err)
		}
		if line, err := sshr.ReadString('\n'); err != nil || line != "strict\n" {
			t.Fatalf("the SSH session died under strict outbound: %q %v", line, err)
		}
	})
}
