package probes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// SSHGuard refuses firewall rules that would cut the operator off: this
// SSH session came in on a port other than firewall.ssh_port (the only SSH
// port the rules accept), or nothing listens on that port. sshConnection
// is $SSH_CONNECTION ("client-ip client-port server-ip server-port"; ""
// outside SSH); procRoot is where the socket tables are read ("" means
// /proc, see ListeningOn). nil means loading the rules is safe.
func SSHGuard(d model.Deployment, procRoot, sshConnection string) error {
	port := d.Firewall.SSHPortOrDefault()
	if f := strings.Fields(sshConnection); len(f) == 4 && f[3] != strconv.Itoa(port) {
		return fmt.Errorf("this SSH session came in on port %s but the rules accept SSH on %d only: set firewall.ssh_port: %s in the answers, then run kumoup firewall again", f[3], port, f[3])
	}
	ls, err := ListeningOn(procRoot, port)
	if err != nil {
		return fmt.Errorf("cannot tell whether sshd listens on port %d (%v): refusing to load rules that could lock you out", port, err)
	}
	if len(ls) == 0 {
		return fmt.Errorf("nothing listens on port %d, the only SSH port the rules accept: set firewall.ssh_port to the port sshd uses (ss -ltnp | grep sshd), then run kumoup firewall again", port)
	}
	return nil
}
