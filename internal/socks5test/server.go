package socks5test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/childproc"
)

// Binary is where Debian's dante-server installs danted.
const Binary = "/usr/sbin/danted"

// InstallHint is the command that installs danted on Debian.
const InstallHint = "apt-get install -y dante-server"

// Server is one running danted.
type Server struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	log  string

	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// Start runs danted on 127.0.0.1 and a free port, in dir (a directory for
// its config, pid and log files; "" makes a temporary one that Stop
// removes). It returns once the port accepts TCP connections, or an error
// with danted's own log when it does not start within ctx.
func Start(ctx context.Context, dir string) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("socks5test: danted not found at %s: install it with `%s`: %w", Binary, InstallHint, err)
	}
	s := &Server{done: make(chan struct{})}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "socks5test-"); err != nil {
			return nil, fmt.Errorf("socks5test: temp dir: %w", err)
		}
		s.dir = dir
	}
	port, err := freePort()
	if err != nil {
		s.removeDir()
		return nil, err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.log = filepath.Join(dir, "danted.log")
	conf := filepath.Join(dir, "danted.conf")
	if err := os.WriteFile(conf, []byte(Config(port, s.log)), 0o644); err != nil {
		s.removeDir()
		return nil, fmt.Errorf("socks5test: write %s: %w", conf, err)
	}
	var stderr bytes.Buffer
	s.cmd = exec.Command(bin, "-f", conf, "-p", filepath.Join(dir, "danted.pid"), "-N", "1")
	s.cmd.Stdout, s.cmd.Stderr = &stderr, &stderr
	if err := s.cmd.Start(); err != nil {
		s.removeDir()
		return nil, fmt.Errorf("socks5test: run %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		logText, _ := os.ReadFile(s.log)
		return nil, fmt.Errorf("socks5test: danted did not listen on %s: %w\n%s%s", s.addr, err, stderr.String(), logText)
	}
	return s, nil
}

// New is Start for tests: it fails tb (naming the apt package when danted
// is missing) and stops the server when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Start(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Errorf("stop danted: %v", err)
		}
	})
	return s
}

// Config is the danted.conf Start writes: no authentication, clients and
// destinations limited to loopback-originated requests, log to logFile.
func Config(port int, logFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "logoutput: %s\n", logFile)
	fmt.Fprintf(&b, "internal: 127.0.0.1 port = %d\n", port)
	b.WriteString("external: lo\n")
	b.WriteString("socksmethod: none\n")
	b.WriteString("clientmethod: none\n")
	if os.Geteuid() == 0 {
		b.WriteString("user.privileged: root\n")
		b.WriteString("user.unprivileged: nobody\n")
	}
	b.WriteString("client pass {\n\tfrom: 127.0.0.0/8 to: 0.0.0.0/0\n}\n")
	b.WriteString("socks pass {\n\tfrom: 127.0.0.0/8 to: 0.0.0.0/0\n}\n")
	return b.String()
}

// Addr is "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.addr }

// Host is the IP literal danted listens on (127.0.0.1).
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the port danted listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// PID is the process id of the danted this server started.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop ends the danted process Start began (SIGTERM, then SIGKILL after
// five seconds) and waits for it; danted's own children exit with it.
// Calling Stop again returns the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		defer s.removeDir()
		select {
		case <-s.done:
			return
		default:
		}
		killed, err := childproc.Stop(s.cmd.Process, s.done, syscall.SIGTERM, 5*time.Second)
		if err != nil {
			s.stopErr = fmt.Errorf("socks5test: signal danted (pid %d): %w", s.PID(), err)
		}
		if killed {
			s.stopErr = fmt.Errorf("socks5test: danted (pid %d) ignored SIGTERM for 5s and was killed", s.PID())
		}
	})
	return s.stopErr
}

func (s *Server) removeDir() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", s.addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("danted exited: %v", s.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("socks5test: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
