package probes

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
)

// listenerTarget is a target whose KumoMTA listener port is port.
func listenerTarget(port int) *Target {
	d := hostTestDeployment()
	d.Listener = fmt.Sprintf("127.0.0.1:%d", port)
	return &Target{Deployment: d}
}

func TestListenerBoundToLoopbackPasses(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	wantResult(t, r, StatusPass, fmt.Sprintf("127.0.0.1:%d only", port), "/net/tcp")
}

func TestListenerOnLoopbackForBothFamiliesPasses(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	ln6, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port))
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer ln6.Close()
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	wantResult(t, r, StatusPass, fmt.Sprintf("[::1]:%d", port))
}

func TestListenerBoundToEveryInterfaceFails(t *testing.T) {
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	wantResult(t, r, StatusFail, fmt.Sprintf("0.0.0.0:%d (every interface)", port), "listen = '127.0.0.1:")
}

func TestListenerBoundToIPv6AnyFails(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	wantResult(t, r, StatusFail, fmt.Sprintf("[::]:%d (every interface)", port))
}

func TestListenerWarnsWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	wantResult(t, r, StatusWarn, "none")
}

func TestProcAddressesDecodeInHostByteOrder(t *testing.T) {
	// Lines as a little-endian kernel prints them.
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n" +
		"   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n" +
		"   2: 0100007F:1F40 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n"
	got, err := procListeners([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8000"), netip.MustParseAddrPort("0.0.0.0:80")}
	if !isLittleEndian() {
		t.Skip("sample lines are little-endian")
	}
	if !slices.Equal(got, want) {
		t.Errorf("LISTEN sockets = %v, want %v (the ESTABLISHED one excluded)", got, want)
	}
	for in, want := range map[string]string{
		"00000000000000000000000001000000:1F40": "[::1]:8000",
		"0000000000000000FFFF00000100007F:1F40": "[::ffff:127.0.0.1]:8000",
		"00000000000000000000000000000000:0019": "[::]:25",
	} {
		ap, err := parseProcAddr(in)
		if err != nil || ap.String() != want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", in, ap, err, want)
		}
	}
}

func isLittleEndian() bool {
	ap, _ := parseProcAddr("0100007F:0000")
	return ap.Addr() == netip.MustParseAddr("127.0.0.1")
}
