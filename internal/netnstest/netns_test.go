package netnstest

import (
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestNamespacesTalkOverTheLANAndVanishAfterwards(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	Require(t)
	var names []string
	t.Run("lan", func(t *testing.T) {
		lan := NewLAN(t)
		a, b := New(t), New(t)
		names = []string{a.Name, b.Name}
		lan.Attach(t, a, "198.18.0.1/24", "fd00:6b75::1/64")
		lan.Attach(t, b, "198.18.0.2/24", "fd00:6b75::2/64")
		ln, err := b.Listen("tcp", ":7000")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				io.WriteString(c, "hello")
				c.Close()
			}
		}()
		for _, addr := range []string{"198.18.0.2:7000", "[fd00:6b75::2]:7000"} {
			if ok, err := a.Reachable(addr, 3*time.Second); !ok {
				t.Fatalf("%s not reachable from the other namespace: %v", addr, err)
			}
		}
		if ok, _ := a.Reachable("198.18.0.2:7001", time.Second); ok {
			t.Fatal("a port nobody listens on was reachable")
		}
		// The test addresses exist only inside the namespaces.
		if out, _ := exec.Command("ip", "-o", "addr").Output(); strings.Contains(string(out), "198.18.0.2") {
			t.Fatalf("test address configured on the host:\n%s", out)
		}
	})
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, n := range names {
		if strings.Contains(string(out), n) {
			t.Errorf("namespace %s left behind", n)
		}
	}
}
