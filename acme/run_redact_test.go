package acme

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/redact"
)

// TestRunMasksTheTokensInWhatTheCommandSaid: nginx -t quotes what it
// refuses ('unknown directive "~^Bearer \Q<token>\E$"' when the token
// include is misplaced); run shows the output and returns it in the error,
// the deployment's tokens masked in both. The command is a script.
func TestRunMasksTheTokensInWhatTheCommandSaid(t *testing.T) {
	const token = "Zq3v9Lx2Wm8Rk4Tn6Yp1Hs5Jd7Gf0Bc2"
	bin := filepath.Join(t.TempDir(), "fake-nginx")
	script := "#!/bin/sh\necho 'nginx: [emerg] unknown directive \"~^Bearer \\Q" + token + "\\E$\" in /etc/nginx/kumoup/x.conf:1' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	err := run(t.Context(), &progress, redact.New(token), bin, "-t")
	if err == nil {
		t.Fatal("run: nil error, want the script's exit status 1")
	}
	for what, s := range map[string]string{"progress": progress.String(), "error": err.Error()} {
		if strings.Contains(s, token) || strings.Contains(s, token[:20]) {
			t.Errorf("the %s holds the token: %s", what, s)
		}
		if !strings.Contains(s, "unknown directive") {
			t.Errorf("the %s lost nginx's message: %s", what, s)
		}
	}
}
