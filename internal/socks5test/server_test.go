package socks5test

import (
	"bytes"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestDantedAcceptsTheNoAuthGreetingAndStops(t *testing.T) {
	if testing.Short() {
		t.Skip("runs danted")
	}
	s := New(t)
	c, err := net.DialTimeout("tcp", s.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 2)
	if _, err := io.ReadFull(c, reply); err != nil {
		t.Fatalf("read greeting reply: %v", err)
	}
	if !bytes.Equal(reply, []byte{5, 0}) {
		t.Fatalf("greeting reply = %x; want 0500 (SOCKS5, no auth)", reply)
	}
	pid := s.PID()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("danted pid %d still alive after Stop", pid)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", s.Addr())
	}
}

func TestConfigListensOnLoopbackWithoutAuthentication(t *testing.T) {
	conf := Config(1080, "/tmp/x.log")
	for _, want := range []string{"internal: 127.0.0.1 port = 1080\n", "socksmethod: none\n", "clientmethod: none\n", "logoutput: /tmp/x.log\n"} {
		if !bytes.Contains([]byte(conf), []byte(want)) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if _, err := os.Stat(Binary); err != nil && !testing.Short() {
		t.Errorf("danted missing (%v): install it with `%s`", err, InstallHint)
	}
}
