// Package pebbletest runs Let's Encrypt's test ACME server, pebble
// (Debian's /usr/bin/pebble), on loopback for tests.
//
// pebble's http-01 validation fetches http://NAME:HTTPPort/.well-known/
// acme-challenge/TOKEN, resolving NAME through the DNS server given as
// Config.DNSServer (an internal/dnstest server), so a test nginx on a high
// port of 127.0.0.1 can answer it. certbot reaches the ACME API at DirURL
// and trusts it through REQUESTS_CA_BUNDLE=CAFile (see Env).
//
// Tests only. Each Server is its own pebble process, stopped by Close (its
// own pid, never a process found by name).
package pebbletest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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
	"github.com/kumoup/kumoup/internal/loopback"
)

// Binary is where Debian's pebble package installs pebble.
const Binary = "/usr/bin/pebble"

// ErrNoPebble is wrapped when pebble is not installed.
var ErrNoPebble = errors.New(`pebble is not installed: install it with "apt-get install -y pebble"`)

// Config says where pebble validates.
type Config struct {
	// HTTPPort is the port pebble's http-01 validation connects to (the
	// test nginx's plain HTTP port).
	HTTPPort int
	// DNSServer is "127.0.0.1:PORT" of the DNS server pebble resolves names
	// with.
	DNSServer string
	// Dir holds the config, certificates and log; "" is a new temporary
	// directory removed by Close.
	Dir string
	// Command makes the pebble process (exec.Command when nil): a
	// netnstest namespace's Command runs it inside that namespace.
	Command func(name string, args ...string) *exec.Cmd
	// DialContext is how the test reaches pebble's API (its readiness and
	// Roots): the namespace's Dial when pebble runs inside one.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Server is a running pebble.
type Server struct {
	// DirURL is the ACME directory URL (certbot --server).
	DirURL string
	// CAFile is the PEM of the CA that signed pebble's own HTTPS
	// certificate (for REQUESTS_CA_BUNDLE).
	CAFile string
	// Addr and ManagementAddr are the API's and the management API's
	// "127.0.0.1:port".
	Addr, ManagementAddr string
	// Log is pebble's output.
	Log string

	dir    string
	ownDir bool
	cmd    *exec.Cmd
	exited chan struct{}
	client *http.Client
	once   sync.Once
}

// Start runs pebble with PEBBLE_VA_NOSLEEP=1 (no random validation delay),
// PEBBLE_VA_ALWAYS_VALID=0 (it really fetches the challenge) and
// PEBBLE_WFE_NONCEREJECT=0 (no random bad-nonce errors), and returns once
// its directory answers.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if fi, err := os.Stat(Binary); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("pebbletest: %s: %w", Binary, ErrNoPebble)
	}
	s := &Server{dir: cfg.Dir, exited: make(chan struct{})}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "kumoup-pebble-")
		if err != nil {
			return nil, fmt.Errorf("pebbletest: %w", err)
		}
		s.dir, s.ownDir = d, true
	}
	ok := false
	defer func() {
		if !ok {
			_ = s.Close()
		}
	}()
	ca, err := loopback.NewCA()
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := ca.Issue([]string{"127.0.0.1", "localhost"}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	s.CAFile = filepath.Join(s.dir, "pebble-api-ca.pem")
	certFile, keyFile := filepath.Join(s.dir, "pebble-api.pem"), filepath.Join(s.dir, "pebble-api.key")
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{s.CAFile, ca.PEM, 0o644}, {certFile, certPEM, 0o644}, {keyFile, keyPEM, 0o600}} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return nil, fmt.Errorf("pebbletest: %w", err)
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.PEM)
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DialContext: cfg.DialContext}}

	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	s.ManagementAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	s.DirURL = "https://" + s.Addr + "/dir"
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":                  s.Addr,
		"managementListenAddress":        s.ManagementAddr,
		"certificate":                    certFile,
		"privateKey":                     keyFile,
		"httpPort":                       cfg.HTTPPort,
		"tlsPort":                        ports[2],
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
	}}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("pebbletest: %w", err)
	}
	confFile := filepath.Join(s.dir, "pebble-config.json")
	if err := os.WriteFile(confFile, data, 0o644); err != nil {
		return nil, fmt.Errorf("pebbletest: %w", err)
	}
	s.Log = filepath.Join(s.dir, "pebble.log")
	logf, err := os.Create(s.Log)
	if err != nil {
		return nil, fmt.Errorf("pebbletest: %w", err)
	}
	defer logf.Close()
	args := []string{"-config", confFile}
	if cfg.DNSServer != "" {
		args = append(args, "-dnsserver", cfg.DNSServer)
	}
	command := exec.Command
	if cfg.Command != nil {
		command = cfg.Command
	}
	cmd := command(Binary, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0", "PEBBLE_WFE_NONCEREJECT=0")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pebbletest: start %s: %w", Binary, err)
	}
	s.cmd = cmd
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// New is Start for tests: it fails tb when pebble cannot start and stops
// it when the test ends.
func New(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if cfg.Dir == "" {
		cfg.Dir = tb.TempDir()
	}
	s, err := Start(tb.Context(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.DirURL, nil)
		resp, err := s.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("pebbletest: pebble exited at start:\n%s", s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pebbletest: %s did not answer within 15s:\n%s", s.DirURL, s.logTail())
		}
	}
}

func (s *Server) logTail() string {
	data, _ := os.ReadFile(s.Log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// Env is the environment certbot needs to trust pebble's API.
func (s *Server) Env() []string { return []string{"REQUESTS_CA_BUNDLE=" + s.CAFile} }

// Roots returns the PEM of pebble's issuing root (its management API's
// /roots/0): the CA a certificate pebble issued chains to, for
// `kumoup status --ca-file`.
func (s *Server) Roots(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+s.ManagementAddr+"/roots/0", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pebbletest: fetch the root: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(data, []byte("BEGIN CERTIFICATE")) {
		return nil, fmt.Errorf("pebbletest: fetch the root: %d %v", resp.StatusCode, err)
	}
	return data, nil
}

// Close stops pebble (its own process) and removes Dir when Start made it.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_, _ = childproc.Stop(s.cmd.Process, s.exited, syscall.SIGTERM, 5*time.Second)
		}
		if s.ownDir {
			err = os.RemoveAll(s.dir)
		}
	})
	return err
}

// Exited is closed when pebble exits.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pebbletest: find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
