package writer

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ufwDryRun runs one printed ufw command exactly as an operator would
// paste it into a shell, with --dry-run (ufw parses it and prints the
// iptables rules, changing nothing) and in a throwaway network namespace.
func ufwDryRun(t *testing.T, command string) (string, error) {
	t.Helper()
	rest, ok := strings.CutPrefix(command, "ufw ")
	if !ok {
		t.Fatalf("not a ufw command: %q", command)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "unshare", "-n", "sh", "-c", "ufw --dry-run "+rest).CombinedOutput()
	return string(out), err
}

// needUFW fails (never skips) without -short when ufw or root is missing.
func needUFW(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ufw --dry-run")
	}
	if _, err := exec.LookPath("ufw"); err != nil {
		t.Fatal("ufw is not installed: apt-get install -y ufw (it stays inactive; the test only runs ufw --dry-run)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("ufw --dry-run needs root: run the tests as root")
	}
}

// Every command kumoup prints instead of loading nftables rules, for every
// shape of answers the nftables rules are tested with, is one ufw accepts.
func TestUFWAcceptsEveryPrintedCommand(t *testing.T) {
	needUFW(t)
	cases := firewallCases()
	strictWebhook := cases["mta-strict"]
	strictWebhook.d.SMTPProxy.Enabled, strictWebhook.d.SMTPProxy.Backend = true, "10.0.0.9:587"
	cases["mta-strict-smtp-proxy"] = strictWebhook
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmds, err := UFWCommands(c.d, c.host)
			if err != nil {
				t.Fatal(err)
			}
			for _, cmd := range cmds {
				if out, err := ufwDryRun(t, cmd); err != nil {
					t.Errorf("%s: %v\n%s", cmd, err, out)
				}
			}
		})
	}
}

// The dry run is a real check: ufw refuses a command it cannot parse.
func TestUFWDryRunRefusesAMalformedCommand(t *testing.T) {
	needUFW(t)
	out, err := ufwDryRun(t, "ufw allow out 80,443 comment 'multiport without a protocol'")
	if err == nil || !strings.Contains(out, "Must specify 'tcp' or 'udp' with multiple ports") {
		t.Fatalf("ufw accepted a malformed command (err %v):\n%s", err, out)
	}
}
