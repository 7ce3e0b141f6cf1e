package writer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// throwawayNft makes NftBinary a wrapper that runs the real nft in a
// network namespace of its own (gone when nft exits) and then lists the
// table: LoadRules loads for real without touching this host's tables.
func throwawayNft(t *testing.T) {
	t.Helper()
	for _, p := range []string{"nft", "unshare"} {
		if _, err := exec.LookPath(p); err != nil {
			pkg := map[string]string{"nft": "nftables", "unshare": "util-linux"}[p]
			t.Fatalf("%s not found: install it with `apt-get install -y %s`", p, pkg)
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("loading rules needs root (run as root, or use go test -short for unit tests only)")
	}
	w := filepath.Join(t.TempDir(), "nft")
	script := "#!/bin/sh\nexec unshare -n sh -c 'nft \"$@\" && nft list table inet kumoup' nft \"$@\"\n"
	if err := os.WriteFile(w, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	old := NftBinary
	NftBinary = w
	t.Cleanup(func() { NftBinary = old })
}

func TestLoadRulesLoadsTheRenderedRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	throwawayNft(t)
	f, err := RenderFirewall(firewallCases()["mta-allowlist"].d, HostMTA, Layout{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(f.Path), 0o755)
	if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := LoadRules(context.Background(), f.Path)
	if err != nil {
		t.Fatalf("LoadRules: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "table inet kumoup") || !strings.Contains(string(out), "policy drop") {
		t.Fatalf("the table was not loaded:\n%s", out)
	}
}

func TestLoadRulesReportsNftsComplaint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	throwawayNft(t)
	p := filepath.Join(t.TempDir(), "broken.nft")
	os.WriteFile(p, []byte("table inet kumoup { chain input { tcp dport 22 acept } }\n"), 0o644)
	out, err := LoadRules(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "nft -f "+p) || !strings.Contains(string(out), "acept") {
		t.Fatalf("LoadRules = %q, %v; want nft's complaint about the typo", out, err)
	}
}

func TestCheckRulesSaysWhenNftIsMissing(t *testing.T) {
	old := NftBinary
	NftBinary = filepath.Join(t.TempDir(), "no-nft")
	t.Cleanup(func() { NftBinary = old })
	err := CheckRulesContent(context.Background(), []byte("table inet kumoup {}\n"))
	if !errors.Is(err, ErrNoNft) || !strings.Contains(err.Error(), "apt-get install nftables") {
		t.Fatalf("CheckRulesContent without nft = %v; want ErrNoNft", err)
	}
}

func TestCheckRulesRefusalIsNotMissingNft(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft")
	}
	err := CheckRulesContent(context.Background(), []byte("table inet kumoup { chain input { tcp dport 22 acept } }\n"))
	if err == nil || errors.Is(err, ErrNoNft) {
		t.Fatalf("CheckRulesContent on broken rules = %v; want nft's refusal, not ErrNoNft", err)
	}
}
