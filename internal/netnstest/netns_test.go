package netnstest

import (
	"io"
	"os"
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

func TestDoLeavesEveryThreadInTheHostNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	Require(t)
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	ns := New(t)
	// Many calls: some land on the main thread, whose namespace
	// /proc/self/net follows.
	for i := 0; i < 200; i++ {
		if err := ns.Do(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.Readlink("/proc/self/ns/net"); got != host {
		t.Fatalf("the main thread stayed in the test namespace: %s, host %s", got, host)
	}
	entries, _ := os.ReadDir("/proc/self/task")
	for _, e := range entries {
		if got, err := os.Readlink("/proc/self/task/" + e.Name() + "/ns/net"); err == nil && got != host {
			t.Errorf("thread %s is in %s, not the host's %s", e.Name(), got, host)
		}
	}
}
