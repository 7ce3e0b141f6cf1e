package probes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
)

func sshGuardDeployment(port int) model.Deployment {
	var d model.Deployment
	d.Firewall.SSHPort = port
	return d
}

func TestSSHGuardPassesWhenSomethingListensOnTheSSHPort(t *testing.T) {
	port := proxyHostListen(t, "127.0.0.1:0")
	d := sshGuardDeployment(port)
	if err := SSHGuard(d, "", ""); err != nil {
		t.Fatalf("outside SSH: %v", err)
	}
	conn := fmt.Sprintf("198.18.3.1 50000 198.18.3.2 %d", port)
	if err := SSHGuard(d, "", conn); err != nil {
		t.Fatalf("session on the SSH port: %v", err)
	}
}

func TestSSHGuardRefusesWhenNothingListensOnTheSSHPort(t *testing.T) {
	port := netnstest.FreePort(t)
	err := SSHGuard(sshGuardDeployment(port), "", "")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("nothing listens on port %d", port)) || !strings.Contains(err.Error(), "firewall.ssh_port") {
		t.Fatalf("SSHGuard = %v", err)
	}
}

func TestSSHGuardRefusesWhenTheSessionCameInOnAnotherPort(t *testing.T) {
	port := proxyHostListen(t, "127.0.0.1:0")
	err := SSHGuard(sshGuardDeployment(port), "", "198.18.3.1 50000 198.18.3.2 2222")
	want := fmt.Sprintf("this SSH session came in on port 2222 but the rules accept SSH on %d only: set firewall.ssh_port: 2222", port)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("SSHGuard = %v, want %q", err, want)
	}
}

func TestSSHGuardRefusesWhenTheSocketTablesCannotBeRead(t *testing.T) {
	err := SSHGuard(model.Deployment{}, t.TempDir(), "")
	if err == nil || !strings.Contains(err.Error(), "cannot tell whether sshd listens on port 22") {
		t.Fatalf("SSHGuard = %v", err)
	}
}
