package probes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Fixed test tokens: never real secrets.
const (
	hostTestInjectionToken = "kumoupTestInjectionToken-0123456789abcdefXYZ"
	hostTestWebhookToken   = "kumoupTestWebhookToken-9876543210fedcbaQRST"
)

// hostTestDeployment is a valid deployment with fixed test values.
func hostTestDeployment() model.Deployment {
	return model.Deployment{
		Domain:         "mta.example.com",
		InjectionToken: hostTestInjectionToken,
		WebhookToken:   hostTestWebhookToken,
		WebhookURL:     "https://app.example.com/hooks/kumomta",
		ProxyHost:      "10.0.0.5",
		ProxyPort:      5000,
		ProxyPublicIP:  "203.0.113.7",
		HELO:           "out.example.com",
	}.WithDefaults()
}

// hostFixture is a deployment rendered by the writer into a temporary
// root, with the modes the writer gives each file.
type hostFixture struct {
	root   string
	target *Target
}

// newHostFixture renders d under a fresh root and returns a Target for it.
// The user's init.lua is written with the lines kumoup asks for, the
// token directory is 0700, and /etc/passwd lists one user home.
func newHostFixture(t *testing.T) *hostFixture {
	t.Helper()
	root := t.TempDir()
	l := writer.Layout{Root: root}
	d := hostTestDeployment()
	files, err := writer.Render(d, writer.Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
		if f.DirMode != 0 {
			if err := os.Chmod(filepath.Dir(f.Path), f.DirMode); err != nil {
				t.Fatal(err)
			}
		}
		hostWriteFile(t, f.Path, string(f.Content), f.Mode)
	}
	hostWriteFile(t, l.PolicyInit(), hostMinimalInitLua(l), 0o644)
	hostWriteFile(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/zsh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n", 0o644)
	for _, h := range []string{"root", "home/alice"} {
		if err := os.MkdirAll(filepath.Join(root, h), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &hostFixture{root: root, target: &Target{Deployment: d, Layout: l}}
}

func (f *hostFixture) path(p string) string { return f.target.Layout.Path(p) }

func hostWriteFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask
		t.Fatal(err)
	}
}

// hostRun runs one check of the catalogue by ID.
func hostRun(t *testing.T, target *Target, id string) Result {
	t.Helper()
	for _, c := range Catalogue() {
		if c.ID == id {
			r := runUnmasked(context.Background(), target, []Check{c})[0]
			t.Logf("%s: %s: %s | remedy: %s", r.ID, r.Status, r.Detail, r.Remedy)
			hostAssertNoSecret(t, r)
			return r
		}
	}
	t.Fatalf("no check %q in the catalogue", id)
	return Result{}
}

// hostAssertNoSecret fails when a result shows a test token.
func hostAssertNoSecret(t *testing.T, r Result) {
	t.Helper()
	for _, tok := range []string{hostTestInjectionToken, hostTestWebhookToken} {
		if strings.Contains(r.Detail, tok) || strings.Contains(r.Remedy, tok) {
			t.Errorf("%s shows a token: %+v", r.ID, r)
		}
	}
}

// wantResult asserts the status, that the detail (or remedy) contains
// each of the given strings, and that a warning or failure has a remedy.
func wantResult(t testing.TB, r Result, status Status, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s status = %s, want %s (detail: %s; remedy: %s)", r.ID, r.Status, status, r.Detail, r.Remedy)
	}
	for _, s := range contains {
		if !strings.Contains(r.Detail, s) && !strings.Contains(r.Remedy, s) {
			t.Errorf("%s: %q not in detail %q nor remedy %q", r.ID, s, r.Detail, r.Remedy)
		}
	}
	if (status == StatusWarn || status == StatusFail) && r.Remedy == "" {
		t.Errorf("%s: %s without a remedy", r.ID, status)
	}
}

// hostNeed fails the test (or skips it under -short) when an external
// program is missing, naming the package that provides it.
func hostNeed(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if testing.Short() {
			t.Skipf("%s missing; runs only without -short", path)
		}
		t.Fatalf("%s is missing: install it with `apt-get install -y %s`", path, pkg)
	}
}

func isRoot() bool { return os.Geteuid() == 0 }

// hostMinimalInitLua is KumoMTA's packaged minimal init.lua with kumoup's
// lines where the printed steps put them.
func hostMinimalInitLua(l writer.Layout) string {
	return "local kumo = require 'kumo'\n" +
		"package.path = '" + filepath.Dir(l.LuaModule()) + "/?.lua;' .. package.path\n" +
		"local kumoup = require 'kumoup'\n" +
		"kumoup.setup_webhook()\n" +
		"kumo.on('init', function()\n" +
		"  kumo.start_esmtp_listener { listen = '0.0.0.0:25' }\n" +
		"  kumoup.setup_listener()\n" +
		"  kumo.define_spool { name = 'data', path = '/var/spool/kumomta/data' }\n" +
		"end)\n" +
		"kumo.on('get_egress_source', kumoup.egress_source)\n" +
		"kumo.on('get_egress_pool', kumoup.egress_pool)\n"
}
