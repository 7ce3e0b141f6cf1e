package acme

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
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

// TestBootstrapUnderRootMakesTheWebrootInTheTree: kumoup cert --root
// writes the tree's files only. The webroot it makes for the challenges
// is the tree's, never the host's /var/www/...; a deployment that already
// names one inside the tree keeps it.
func TestBootstrapUnderRootMakesTheWebrootInTheTree(t *testing.T) {
	root := t.TempDir()
	l := writer.Layout{Root: root}
	if got, want := l.Within("/var/www/letsencrypt"), filepath.Join(root, "var/www/letsencrypt"); got != want {
		t.Errorf("Within under %s: %s, want %s", root, got, want)
	}
	if in := filepath.Join(root, "srv/acme"); l.Within(in) != in {
		t.Errorf("Within of a path already in the tree: %s, want it kept", l.Within(in))
	}
	if got := (writer.Layout{}).Within("/var/www/letsencrypt"); got != "/var/www/letsencrypt" {
		t.Errorf("Within on the host: %s", got)
	}

	// Bootstrap itself, up to the pre-checks (no Target: they stop it).
	hostDir := "/var/www/kumoup-test-webroot-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { _ = os.Remove(hostDir) }) // only if the bug is back
	certbot := filepath.Join(t.TempDir(), "certbot")
	if err := os.WriteFile(certbot, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	domain := "kumoup-webroot-test.example"
	d := model.Deployment{Domain: domain, ACMEWebroot: hostDir,
		TLSCertificate:    filepath.Join(root, "etc/letsencrypt/live", domain, "fullchain.pem"),
		TLSCertificateKey: filepath.Join(root, "etc/letsencrypt/live", domain, "privkey.pem")}
	applied := false
	_, err := Bootstrap(t.Context(), Config{Deployment: d, Layout: l, Certbot: certbot,
		Apply: func(context.Context, model.Deployment) error { applied = true; return nil }})
	if err == nil || !applied {
		t.Fatalf("Bootstrap: %v (applied %v), want the site applied and the pre-checks refused", err, applied)
	}
	if _, err := os.Stat(hostDir); err == nil {
		t.Errorf("Bootstrap under --root %s made %s on the host", root, hostDir)
	}
	if fi, err := os.Stat(filepath.Join(root, hostDir)); err != nil || !fi.IsDir() {
		t.Errorf("the tree's webroot %s: %v, want a directory", filepath.Join(root, hostDir), err)
	}
	// certbot is given the webroot that was made: its -w is the tree's.
	req, err := NewRequest(d, l)
	if err != nil {
		t.Fatal(err)
	}
	if args := strings.Join(req.Args(), " "); !strings.Contains(args, "-w "+filepath.Join(root, hostDir)+" ") {
		t.Errorf("certbot's arguments under --root %s: %s, want -w %s", root, args, filepath.Join(root, hostDir))
	}
}
