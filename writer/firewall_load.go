package writer

import (
	"context"
	"fmt"
	"os/exec"
)

// LoadRules loads the rules file at path into this host's kernel with
// `nft -f PATH` (NftBinary, else nft in PATH) and returns what nft printed.
// The rules replace `table inet kumoup` (RenderFirewall's files delete it
// first) and leave other tables alone. Callers guard first: ufw inactive
// (UFWActive) and the SSH port reachable (probes.SSHGuard).
func LoadRules(ctx context.Context, path string) ([]byte, error) {
	bin := NftBinary
	if bin == "" {
		bin = "nft"
	}
	out, err := exec.CommandContext(ctx, bin, "-f", path).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("nft -f %s: %w", path, err)
	}
	return out, nil
}
