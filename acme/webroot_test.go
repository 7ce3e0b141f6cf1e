package acme

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMakeWebrootCreatesTheMissingWebroot: on a fresh host the webroot
// does not exist yet; it is created 0755 (nginx's workers read it) and
// said, an existing one is left alone, and a file in its place is named.
func TestMakeWebrootCreatesTheMissingWebroot(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "var/www/letsencrypt")
	var lines []string
	if err := makeWebroot(dir, func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
		t.Fatalf("webroot %v %v, want a directory with mode 0755", fi, err)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "created the ACME webroot "+dir) {
		t.Errorf("lines %q, want one saying it was created", lines)
	}
	lines = nil
	if err := makeWebroot(dir, func(l string) { lines = append(lines, l) }); err != nil || len(lines) != 0 {
		t.Errorf("existing webroot: %v %q, want nothing done", err, lines)
	}
	file := filepath.Join(t.TempDir(), "webroot")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := makeWebroot(file, func(string) {}); err == nil || !strings.Contains(err.Error(), "acme_webroot "+file+" is not a directory") {
		t.Errorf("a file as webroot: %v, want it named", err)
	}
}
