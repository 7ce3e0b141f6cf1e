package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// useNft makes writer.NftBinary bin for the test's duration.
func useNft(t *testing.T, bin string) {
	t.Helper()
	old := writer.NftBinary
	writer.NftBinary = bin
	t.Cleanup(func() { writer.NftBinary = old })
}

// nftScript writes script as an executable and returns its path.
func nftScript(t *testing.T, script string) string {
	t.Helper()
	w := filepath.Join(t.TempDir(), "nft")
	if err := os.WriteFile(w, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

// The commands that render the proxy host's rules (kumoup proxy, kumoup
// firewall --host proxy) agree on nft -c's verdict: valid passes, a
// missing nft warns and writes, a refusal fails and writes nothing (a
// ruleset nft refuses cannot be loaded).
func TestProxyAndFirewallAgreeOnNftsVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	nft, err := exec.LookPath("nft")
	if err != nil {
		t.Fatalf("nft not found: install it with `apt-get install -y nftables` (%v)", err)
	}
	commands := map[string]func(root string) []string{
		"proxy": func(root string) []string {
			return []string{"proxy", "--root", root, "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, 5000))}
		},
		"proxy --dry-run": func(root string) []string {
			return []string{"proxy", "--dry-run", "--root", root, "--answers", answersFile(t, fmt.Sprintf(proxyAnswers, 5000))}
		},
		"firewall --host proxy": func(root string) []string {
			return []string{"firewall", "--host", "proxy", "--root", root, "--answers", answersFile(t, hostAnswers)}
		},
	}
	// The real nft, given the rendered rules with a line it refuses.
	refusing := "#!/bin/sh\nfor f; do :; done\nt=$(mktemp)\ncat \"$f\" > \"$t\"\necho 'this is not nftables' >> \"$t\"\n" +
		nft + " -c -f \"$t\"\nrc=$?\nrm -f \"$t\"\nexit $rc\n"
	verdicts := []struct {
		name    string
		nft     func(t *testing.T) string // the nft kumoup runs
		code    int
		stderr  []string
		written bool // a real run (not --dry-run) writes the rules
	}{
		{"valid", func(*testing.T) string { return nft }, 0, []string{"nft -c: the KumoProxy host's rules are valid"}, true},
		{"nft missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "no-nft") }, 0, []string{"warning: rules not validated", "apt-get install nftables"}, true},
		{"refused", func(t *testing.T) string { return nftScript(t, refusing) }, 1, []string{"nft refused the generated rules", "syntax error"}, false},
	}
	for _, v := range verdicts {
		for name, args := range commands {
			t.Run(v.name+"/"+name, func(t *testing.T) {
				useNft(t, v.nft(t))
				root := t.TempDir()
				r := kumoup(t, args(root)...)
				if r.code != v.code {
					t.Fatalf("exit %d, want %d\n%s\n%s", r.code, v.code, r.stdout, r.stderr)
				}
				for _, want := range v.stderr {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
					}
				}
				_, err := os.Stat(filepath.Join(root, "etc/kumoup/nftables-proxy.nft"))
				if wrote := err == nil; wrote != (v.written && !strings.Contains(name, "--dry-run")) {
					t.Errorf("rules file written: %v (%v)", wrote, err)
				}
			})
		}
	}
}
