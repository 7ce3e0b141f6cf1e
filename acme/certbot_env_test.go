package acme

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// TestObtainGivesCertbotKumoupsEnvironment: certbot runs with the
// environment kumoup was started with (REQUESTS_CA_BUNDLE for a private
// ACME CA, given to `sudo -E kumoup setup`), Request.Env on top, and
// PYTHONUNBUFFERED so that its lines arrive as it prints them; the
// KUMOUP_*_TOKEN variables kumoup apply reads are left out. The binary
// here is a script that prints what it got.
func TestObtainGivesCertbotKumoupsEnvironment(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "certbot")
	script := "#!/bin/sh\necho \"bundle=$REQUESTS_CA_BUNDLE unbuffered=$PYTHONUNBUFFERED extra=$KUMOUP_TEST_EXTRA\"\nenv | grep -c '^KUMOUP_.*_TOKEN=' || true\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/private-acme-ca.pem")
	// Exported for kumoup apply: not certbot's business, nor its hooks'.
	t.Setenv(writer.EnvInjectionToken, "inj-0123456789abcdefghijklmnopqrstuvwxyz")
	t.Setenv(writer.EnvWebhookToken, "hook-0123456789abcdefghijklmnopqrstuvwxyz")
	r := Request{Domain: "mta.example.com", Webroot: dir, Binary: bin, Env: []string{"KUMOUP_TEST_EXTRA=from-config"},
		ConfigDir: filepath.Join(dir, "etc"), WorkDir: filepath.Join(dir, "lib"), LogsDir: filepath.Join(dir, "log")}
	var lines []string
	if err := Obtain(t.Context(), r, func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, "\n"); got != "bundle=/etc/ssl/private-acme-ca.pem unbuffered=1 extra=from-config\n0" {
		t.Errorf("certbot's environment: %q", got)
	}
}
