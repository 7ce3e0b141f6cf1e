package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/netnstest"
)

const proxyAnswers = `proxy_host: 127.0.0.1
proxy_port: %d
firewall:
  mta_addresses: [10.0.0.4]
`

func TestProxyWritesTheUnitAndRulesWithoutTokens(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "proxy", "--root", root, "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, 5000)))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	unit, err := os.ReadFile(filepath.Join(root, "etc/systemd/system/kumoproxy.service"))
	if err != nil || !strings.Contains(string(unit), "ExecStart=/opt/kumomta/sbin/proxy-server --listen 127.0.0.1:5000") {
		t.Fatalf("unit: %v\n%s", err, unit)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/kumoup/nftables-proxy.nft")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, "systemctl daemon-reload && systemctl enable --now kumoproxy") {
		t.Fatalf("no next steps:\n%s", r.stdout)
	}
}

func TestProxyDryRunWritesNothing(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "proxy", "--dry-run", "--root", root, "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, 5000)))
	if r.code != 0 || !strings.Contains(r.stdout, "kumoproxy.service") || !strings.Contains(r.stdout, "Dry run") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	isEmptyDir(t, root)
}

func TestProxyCheckReportsTheListener(t *testing.T) {
	ln := netnstest.FreePort(t)
	// Nothing listens: the listener check fails, and so does the command.
	r := kumoup(t, "proxy", "--check", "--json", "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, ln)))
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s %s", r.code, r.stdout, r.stderr)
	}
	var rep struct {
		Checks []struct{ ID, Status, Detail string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	got := map[string]string{}
	for _, c := range rep.Checks {
		got[c.ID] = c.Status
	}
	if got["proxy.listener"] != "fail" || got["proxy.outbound25"] != "skip" {
		t.Fatalf("results %v", got)
	}
	if r := kumoup(t, "proxy", "--test-mx", "mx:25", "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, ln))); r.code != 2 {
		t.Fatalf("--test-mx without --check: exit %d", r.code)
	}
}

func TestProxyRelativeRootIsMadeAbsoluteInsideTheFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := kumoup(t, "proxy", "--root", "tree", "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, 5000)))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rules, err := os.ReadFile(filepath.Join(dir, "tree/etc/kumoup/nftables-proxy.nft"))
	if err != nil {
		t.Fatal(err)
	}
	if abs := filepath.Join(dir, "tree/etc/kumoup/nftables-proxy.nft"); !strings.Contains(string(rules), abs) {
		t.Fatalf("the rules do not name their absolute path %s:\n%s", abs, rules)
	}
}
