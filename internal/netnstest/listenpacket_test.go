package netnstest

import (
	"net"
	"testing"
	"time"
)

// TestListenPacketServesInsideTheNamespace: a UDP socket opened with
// ListenPacket on the namespace's privileged port 53 answers a client
// inside that namespace.
func TestListenPacketServesInsideTheNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	Require(t)
	ns := New(t)
	pc, err := ns.ListenPacket("udp4", "127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(append([]byte("echo "), buf[:n]...), from)
		}
	}()
	var got string
	if err := ns.Do(func() error {
		c, err := net.Dial("udp4", "127.0.0.1:53")
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		got = string(buf[:n])
		return err
	}); err != nil || got != "echo ping" {
		t.Fatalf("inside the namespace: %q %v, want the echo", got, err)
	}
}
