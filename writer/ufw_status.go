package writer

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// UFWActive reports whether `ufw status` says ufw is active on this host,
// where kumoup then loads no rules of its own and prints UFWCommands
// instead. program is the ufw to run ("" means ufw in PATH); no ufw
// installed is inactive.
func UFWActive(ctx context.Context, program string) (bool, error) {
	if program == "" {
		program = "ufw"
	}
	if _, err := exec.LookPath(program); err != nil {
		return false, nil
	}
	out, err := exec.CommandContext(ctx, program, "status").CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("ufw status: %w: %s", err, bytes.TrimSpace(out))
	}
	return UFWStatusActive(out), nil
}

// UFWStatusActive reports whether out, what `ufw status` printed, has the
// line "Status: active".
func UFWStatusActive(out []byte) bool {
	for _, line := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(line) == "Status: active" {
			return true
		}
	}
	return false
}
