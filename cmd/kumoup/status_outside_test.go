package main

import (
	"net"
	"strings"
	"testing"
)

// outsideListen listens on addr for the test's duration, accepting and
// closing connections.
func outsideListen(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s (loopback, for the test): %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln
}

// outsideProxyArgs run the proxy-port check from outside against
// mta.example.com, whose port 443 answers on loopback and whose port 5000
// is closed, probing KumoProxy at proxy too.
func outsideProxyArgs(t *testing.T, proxy string) []string {
	https := outsideListen(t, "127.0.0.1:0").Addr().String()
	closed := outsideListen(t, "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	return []string{"status", "--from-outside", "mta.example.com", "--proxy", proxy, "--only", "outside.port.proxy", "--json",
		"--connect-to", "mta.example.com:443:" + https, "--connect-to", "mta.example.com:5000:" + closedAddr}
}

func TestStatusFromOutsideFailsWhenKumoProxysOwnAddressAcceptsPort5000(t *testing.T) {
	// Any 127/8 address is loopback: one of its own stands for KumoProxy.
	outsideListen(t, "127.0.0.77:5000")
	r := kumoup(t, outsideProxyArgs(t, "127.0.0.77")...)
	if r.code != exitFailure || !strings.Contains(r.stdout, `"status": "fail"`) || !strings.Contains(r.stdout, "127.0.0.77:5000 accepted a TCP connection") {
		t.Errorf("exit %d, want 1 with the proxy's address accepting\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestStatusFromOutsidePassesWhenKumoProxysOwnAddressRefusesPort5000(t *testing.T) {
	r := kumoup(t, outsideProxyArgs(t, "127.0.0.78")...)
	if r.code != exitOK || !strings.Contains(r.stdout, `"status": "pass"`) || !strings.Contains(r.stdout, "127.0.0.78:5000 refused") {
		t.Errorf("exit %d, want 0 with the proxy's address probed and refusing\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "unknown here") {
		t.Errorf("the check says KumoProxy's address is unknown though --proxy gave it:\n%s", r.stdout)
	}
}

func TestStatusProxyFlagNeedsFromOutsideAndAnIP(t *testing.T) {
	for name, args := range map[string][]string{
		"without --from-outside": {"status", "--root", t.TempDir(), "--proxy", "203.0.113.7"},
		"a name, not an IP":      {"status", "--from-outside", "mta.example.com", "--proxy", "proxy.example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			r := kumoup(t, args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "--proxy") {
				t.Errorf("exit %d, want 2 naming --proxy\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
