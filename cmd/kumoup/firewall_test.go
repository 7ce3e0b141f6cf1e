package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kumoup/kumoup/internal/netnstest"
)

const hostAnswers = `domain: mta.example.com
webhook_url: https://app.example.com/kumo/events
proxy_host: 198.18.3.3
proxy_public_ip: 8.8.4.4
helo: mail.example.com
firewall:
  app_addresses: [203.0.113.7]
  mta_addresses: [198.18.3.2]
  resolvers: [198.18.3.5]
`

func TestFirewallDryRunPrintsValidRulesAndWritesNothing(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "firewall", "--dry-run", "--root", root, "--answers", answersFile(t, hostAnswers))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "table inet kumoup {") || !strings.Contains(r.stdout, "ip saddr @app_v4 tcp dport 443 accept") {
		t.Fatalf("rules not printed:\n%s", r.stdout)
	}
	if !testing.Short() && !strings.Contains(r.stderr, "nft -c: the MTA host's rules are valid") {
		t.Fatalf("rules not validated: %s", r.stderr)
	}
	isEmptyDir(t, root)
}

func TestFirewallWritesTheRulesFileWithoutLoadingIt(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "firewall", "--host", "proxy", "--root", root, "--answers", answersFile(t, hostAnswers))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	p := filepath.Join(root, "etc/kumoup/nftables-proxy.nft")
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("rules file: %v %v", fi, err)
	}
	if !strings.Contains(r.stdout, "Not loaded") || !strings.Contains(r.stdout, "kumoup firewall --host proxy --apply") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
}

func TestFirewallRefusesContradictoryFlags(t *testing.T) {
	a := answersFile(t, hostAnswers)
	for _, args := range [][]string{
		{"firewall", "--apply", "--root", t.TempDir(), "--answers", a},
		{"firewall", "--apply", "--dry-run", "--answers", a},
		{"firewall", "--yes", "--answers", a},
		{"firewall", "--host", "db", "--answers", a},
	} {
		if r := kumoup(t, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, r.code, r.stderr)
		}
	}
	r := kumoup(t, "firewall", "--host", "proxy", "--dry-run", "--answers", answersFile(t, "proxy_host: 10.0.0.5\n"))
	if r.code != 2 || !strings.Contains(r.stderr, "firewall.mta_addresses is required") {
		t.Fatalf("proxy host without mta_addresses: exit %d %s", r.code, r.stderr)
	}
}

func TestFirewallPrintsUFWCommandsWhenUFWIsActive(t *testing.T) {
	ufw := filepath.Join(t.TempDir(), "ufw")
	os.WriteFile(ufw, []byte("#!/bin/sh\necho 'Status: active'\n"), 0o755)
	old := ufwProgram
	ufwProgram = ufw
	t.Cleanup(func() { ufwProgram = old })
	r := kumoup(t, "firewall", "--root", t.TempDir(), "--answers", answersFile(t, hostAnswers))
	if r.code != 0 || !strings.Contains(r.stdout, "ufw is active") || !strings.Contains(r.stdout, "ufw allow proto tcp from 203.0.113.7 to any port 443") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	os.WriteFile(ufw, []byte("#!/bin/sh\necho 'Status: inactive'\n"), 0o755)
	if r := kumoup(t, "firewall", "--root", t.TempDir(), "--answers", answersFile(t, hostAnswers)); strings.Contains(r.stdout, "ufw") {
		t.Fatalf("inactive ufw mentioned:\n%s", r.stdout)
	}
}

// The --apply tests run kumoup, re-executed from this test binary, inside
// a throwaway network namespace, with /etc overlaid by a temp directory:
// the rules load into the namespace's kernel tables and the rules file is
// written into the overlay, never to the host.
const cmdHelperEnv = "KUMOUP_CMD_HELPER"

type cmdHelperInput struct {
	Args    []string
	Upper   string
	Work    string
	UFW     string
	Answers string
}

func init() {
	spec := os.Getenv(cmdHelperEnv)
	if spec == "" {
		return
	}
	var in cmdHelperInput
	if err := json.Unmarshal([]byte(spec), &in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	// `ip netns exec` gave this process its own mount namespace.
	if err := unix.Mount("overlay", "/etc", "overlay", 0, "lowerdir=/etc,upperdir="+in.Upper+",workdir="+in.Work); err != nil {
		fmt.Fprintln(os.Stderr, "overlay /etc:", err)
		os.Exit(3)
	}
	if in.UFW != "" {
		ufwProgram = in.UFW
	}
	root := newRootCmd()
	root.SetArgs(in.Args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(exitCode(err))
}

type nsRun struct {
	code           int
	stdout, stderr string
}

func kumoupInNamespace(t *testing.T, ns *netnstest.NS, stdin string, env []string, in cmdHelperInput) nsRun {
	t.Helper()
	dir := t.TempDir()
	in.Upper, in.Work = filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	os.MkdirAll(in.Upper, 0o755)
	os.MkdirAll(in.Work, 0o755)
	spec, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), cmdHelperEnv+"="+string(spec), "SSH_CONNECTION="), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(in.Upper, "kumoup/nftables-mta.nft")); code == 0 && err != nil {
		t.Errorf("the rules file was not written (into the overlay): %v", err)
	}
	return nsRun{code, out.String(), errb.String()}
}

func hostState(t *testing.T) string {
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v %s", err, out)
	}
	_, statErr := os.Stat("/etc/kumoup/nftables-mta.nft")
	return string(out) + fmt.Sprint(statErr == nil)
}

func TestFirewallApplyLoadsTheRulesOnlyWhenSafeAndConfirmed(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root and network namespaces")
	}
	netnstest.Require(t, "nft")
	before := hostState(t)
	t.Cleanup(func() {
		if after := hostState(t); after != before {
			t.Errorf("the host's ruleset or /etc/kumoup changed")
		}
	})
	answers := answersFile(t, hostAnswers)
	apply := cmdHelperInput{Args: []string{"firewall", "--host", "mta", "--apply", "--answers", answers}}
	applyYes := cmdHelperInput{Args: append(append([]string{}, apply.Args...), "--yes")}
	loaded := func(ns *netnstest.NS) bool {
		_, err := ns.Run("nft", "list", "table", "inet", "kumoup")
		return err == nil
	}

	t.Run("nothing listens on the SSH port: refused", func(t *testing.T) {
		ns := netnstest.New(t)
		r := kumoupInNamespace(t, ns, "", nil, applyYes)
		if r.code != 1 || !strings.Contains(r.stderr, "nothing listens on port 22") || loaded(ns) {
			t.Fatalf("exit %d loaded %v\n%s%s", r.code, loaded(ns), r.stdout, r.stderr)
		}
	})

	t.Run("this SSH session uses another port: refused", func(t *testing.T) {
		ns := netnstest.New(t)
		sshd, _ := ns.Listen("tcp", "0.0.0.0:22")
		defer sshd.Close()
		r := kumoupInNamespace(t, ns, "", []string{"SSH_CONNECTION=198.18.3.1 50000 198.18.3.2 2222"}, applyYes)
		if r.code != 1 || !strings.Contains(r.stderr, "firewall.ssh_port: 2222") || loaded(ns) {
			t.Fatalf("exit %d loaded %v\n%s%s", r.code, loaded(ns), r.stdout, r.stderr)
		}
	})

	t.Run("not confirmed: not loaded", func(t *testing.T) {
		ns := netnstest.New(t)
		sshd, _ := ns.Listen("tcp", "0.0.0.0:22")
		defer sshd.Close()
		r := kumoupInNamespace(t, ns, "n\n", nil, apply)
		if r.code != 1 || !strings.Contains(r.stdout, "[y/N]") || !strings.Contains(r.stderr, "not confirmed") || loaded(ns) {
			t.Fatalf("exit %d loaded %v\n%s%s", r.code, loaded(ns), r.stdout, r.stderr)
		}
	})

	t.Run("ufw active: ufw commands instead", func(t *testing.T) {
		ns := netnstest.New(t)
		ufw := filepath.Join(t.TempDir(), "ufw")
		os.WriteFile(ufw, []byte("#!/bin/sh\necho 'Status: active'\n"), 0o755)
		in := applyYes
		in.UFW = ufw
		r := kumoupInNamespace(t, ns, "", nil, in)
		if r.code != 1 || !strings.Contains(r.stdout, "ufw allow 22/tcp") || !strings.Contains(r.stderr, "ufw is active") || loaded(ns) {
			t.Fatalf("exit %d loaded %v\n%s%s", r.code, loaded(ns), r.stdout, r.stderr)
		}
	})

	t.Run("confirmed with SSH listening: loaded, and again idempotently", func(t *testing.T) {
		ns := netnstest.New(t)
		sshd, _ := ns.Listen("tcp", "0.0.0.0:22")
		defer sshd.Close()
		r := kumoupInNamespace(t, ns, "y\n", nil, apply)
		if r.code != 0 || !strings.Contains(r.stdout, "Loaded") || !loaded(ns) {
			t.Fatalf("exit %d loaded %v\n%s%s", r.code, loaded(ns), r.stdout, r.stderr)
		}
		first := ns.MustRun(t, "nft", "list", "table", "inet", "kumoup")
		if r := kumoupInNamespace(t, ns, "", nil, applyYes); r.code != 0 {
			t.Fatalf("second apply: exit %d\n%s", r.code, r.stderr)
		}
		if again := ns.MustRun(t, "nft", "list", "table", "inet", "kumoup"); again != first {
			t.Fatalf("a second apply changed the table:\n%s\n---\n%s", first, again)
		}
		if !strings.Contains(first, "tcp dport 22 accept") || !strings.Contains(first, "policy drop") {
			t.Fatalf("loaded table:\n%s", first)
		}
	})
}
