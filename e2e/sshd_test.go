package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/netnstest"
)

// sshServer is a real OpenSSH sshd on a loopback high port, with its host
// key, the client key and authorized_keys in a temp directory (the host's
// own /root/.ssh is never touched).
type sshServer struct {
	Port int
	// Key is the client's private key file.
	Key string
	cmd *exec.Cmd
}

// startSSHD starts sshd in the foreground (-D) as a child of the test and
// stops it when the test ends.
func startSSHD(t testing.TB) *sshServer {
	t.Helper()
	sshd := need(t, "sshd", "openssh-server")
	keygen := need(t, "ssh-keygen", "openssh-client")
	need(t, "ssh", "openssh-client")
	if os.Geteuid() != 0 {
		t.Fatal("the SSH end-to-end test logs in as root to a loopback sshd: run it as root")
	}
	dir := t.TempDir()
	for _, name := range []string{"hostkey", "client"} {
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "kumoup-e2e", "-f", filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen %s: %v\n%s", name, err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, "client.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	port := netnstest.FreePort(t)
	config := strings.Join([]string{
		fmt.Sprintf("Port %d", port),
		"ListenAddress 127.0.0.1",
		"HostKey " + filepath.Join(dir, "hostkey"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		// The temp directory's parents (/tmp) are world-writable.
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"PrintMotd no",
		"PrintLastLog no",
		"AcceptEnv NO_COLOR",
		"",
	}, "\n")
	cfg := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sshd, "-t", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t: %v\n%s", err, out)
	}
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	log, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	s := &sshServer{Port: port, Key: filepath.Join(dir, "client"), cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("sshd log:\n%s", b)
		}
	})
	waitListening(t, fmt.Sprintf("127.0.0.1:%d", port), 10*time.Second)
	return s
}

// Command is the ssh command line that runs remote on this server with a
// terminal (-t), as an operator logs in.
func (s *sshServer) Command(remote string) string {
	return fmt.Sprintf("ssh -t -i %s -p %d -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes root@127.0.0.1 %s",
		s.Key, s.Port, remote)
}

// waitListening waits until addr accepts TCP connections.
func waitListening(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing listens on %s after %s: %v", addr, timeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
