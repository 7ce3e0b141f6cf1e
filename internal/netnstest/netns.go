package netnstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Require fails t unless the process is root and `ip` (iproute2) and the
// named programs are installed.
func Require(t testing.TB, programs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("network namespace tests need root (run as root, or use go test -short for unit tests only)")
	}
	for _, p := range append([]string{"ip"}, programs...) {
		if _, err := exec.LookPath(p); err != nil {
			pkg := map[string]string{"ip": "iproute2", "nft": "nftables", "nginx": "nginx", "unshare": "util-linux"}[p]
			if pkg == "" {
				pkg = p
			}
			t.Fatalf("%s not found: install it with `apt-get install -y %s`", p, pkg)
		}
	}
}

var counter atomic.Int64

// uniqueName returns prefix followed by the process id and a counter:
// unique across concurrent test binaries, at most 15 bytes for link names.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d%c%d", prefix, os.Getpid()%100000, 'x', counter.Add(1))
}

// NS is one throwaway network namespace.
type NS struct {
	// Name is the namespace's name under /var/run/netns.
	Name string
}

// New creates a namespace with its loopback up, removed when t ends.
func New(t testing.TB) *NS {
	t.Helper()
	n := &NS{Name: uniqueName("kut")}
	if out, err := exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", n.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", n.Name, err, out)
		}
	})
	n.MustRun(t, "ip", "link", "set", "lo", "up")
	return n
}

// Command is name and args run inside the namespace (`ip netns exec`).
func (n *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Run runs a program inside the namespace and returns its combined output.
func (n *NS) Run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := n.Command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s in %s: %w: %s", name, strings.Join(args, " "), n.Name, err, bytes.TrimSpace(out.Bytes()))
	}
	return out.String(), nil
}

// MustRun is Run, failing t on error.
func (n *NS) MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := n.Run(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Do runs fn on an OS thread that has entered the namespace. Sockets fn
// creates belong to the namespace for their whole life. Afterwards the
// thread goes back to its own namespace before the runtime may reuse it;
// if that fails it stays locked and is discarded. (It must go back: the
// goroutine may run on the main thread, which the runtime never discards,
// and /proc/self/net follows the main thread's namespace.)
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter namespace %s: %w", n.Name, err)
			return
		}
		defer orig.Close()
		f, err := os.Open("/var/run/netns/" + n.Name)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter namespace %s: %w", n.Name, err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter namespace %s: %w", n.Name, err)
			return
		}
		err = fn()
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Listen opens a listener inside the namespace.
func (n *NS) Listen(network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := n.Do(func() error {
		var err error
		ln, err = net.Listen(network, addr)
		return err
	})
	return ln, err
}

// ListenPacket opens a packet listener (UDP) inside the namespace.
func (n *NS) ListenPacket(network, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := n.Do(func() error {
		var err error
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	return pc, err
}

// Dial connects from inside the namespace.
func (n *NS) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Reachable reports whether a TCP connection from the namespace to addr
// completes within timeout. A refusal or a timeout (a firewall drop) is
// false, with the error saying which.
func (n *NS) Reachable(addr string, timeout time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := n.Dial(ctx, "tcp", addr)
	if err != nil {
		return false, err
	}
	c.Close()
	return true, nil
}

// LAN is a bridge, in a namespace of its own, joining simulated hosts.
type LAN struct {
	ns *NS
}

// NewLAN creates an empty LAN, removed when t ends.
func NewLAN(t testing.TB) *LAN {
	t.Helper()
	l := &LAN{ns: New(t)}
	l.ns.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	l.ns.MustRun(t, "ip", "link", "set", "br0", "up")
	return l
}

// Attach connects n to the LAN with a veth pair and gives n's end the
// addresses (CIDR form, like "198.18.0.2/24" or "fd00:6b75::2/64").
// IPv6 addresses skip duplicate address detection so they work at once.
func (l *LAN) Attach(t testing.TB, n *NS, addrs ...string) {
	t.Helper()
	host, port := uniqueName("kv"), uniqueName("kb")
	if out, err := exec.Command("ip", "link", "add", host, "netns", n.Name, "type", "veth", "peer", "name", port, "netns", l.ns.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip link add veth: %v: %s", err, out)
	}
	l.ns.MustRun(t, "ip", "link", "set", port, "master", "br0")
	l.ns.MustRun(t, "ip", "link", "set", port, "up")
	for _, a := range addrs {
		args := []string{"addr", "add", a, "dev", host}
		if strings.Contains(a, ":") {
			args = append(args, "nodad")
		}
		n.MustRun(t, "ip", args...)
	}
	n.MustRun(t, "ip", "link", "set", host, "up")
}
