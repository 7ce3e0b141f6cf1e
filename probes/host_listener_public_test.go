package probes

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/kumoup/kumoup/internal/netnstest"
)

// A listener bound to one specific public address (not every interface)
// is as exposed as 0.0.0.0. The socket is real, in a throwaway network
// namespace with an interface (a veth) carrying a public address; the check
// reads a copy of that namespace's kernel socket tables.
func TestListenerBoundToAPublicAddressFails(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	netnstest.Require(t)
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1")
	ns.MustRun(t, "ip", "addr", "add", "198.51.100.4/24", "dev", "pub0")
	ns.MustRun(t, "ip", "link", "set", "pub0", "up")
	ln, err := ns.Listen("tcp4", "198.51.100.4:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	proc := t.TempDir()
	if err := os.Mkdir(filepath.Join(proc, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = ns.Do(func() error {
		for _, name := range []string{"tcp", "tcp6"} {
			b, err := os.ReadFile("/proc/thread-self/net/" + name)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(proc, "net", name), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("copy the namespace's socket tables: %v", err)
	}
	target := listenerTarget(port)
	target.ProcRoot = proc
	r := hostRun(t, target, "host.listener.loopback")
	wantResult(t, r, StatusFail, fmt.Sprintf("198.51.100.4:%d (not loopback)", port), "listen = '127.0.0.1:")
}
