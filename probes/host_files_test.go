package probes

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

func TestEnvFilePrivateToRootPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.envfile.permissions")
	if os.Geteuid() != 0 {
		wantResult(t, r, StatusFail, "owned by") // the writer chowns only as root
		return
	}
	wantResult(t, r, StatusPass, "0600 root:root")
}

func TestEnvFileReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, f.target, "host.envfile.permissions")
	wantResult(t, r, StatusFail, "mode 0644", "chmod 600 "+env+" && chown root:root "+env)
}

func TestEnvFileOwnedByAnotherUserFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	if err := os.Chown(env, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, f.target, "host.envfile.permissions")
	wantResult(t, r, StatusFail, "owned by nobody", "chown root:root")
}

func TestEnvFileMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.EnvFile())
	wantResult(t, hostRun(t, f.target, "host.envfile.permissions"), StatusFail, "does not exist", "kumoup apply")
	wantResult(t, hostRun(t, f.target, "host.envfile.values"), StatusSkip, "does not exist")
}

func TestEnvFileWithAllValidValuesPasses(t *testing.T) {
	f := newHostFixture(t)
	wantResult(t, hostRun(t, f.target, "host.envfile.values"), StatusPass, "all 6 variables")
}

func TestEnvFileWithMissingOrInvalidValuesFailsWithoutShowingTheToken(t *testing.T) {
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	b, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "KUMOPROXY_HELO="):
			continue // missing
		case strings.HasPrefix(line, "PING8_WEBHOOK_TOKEN="):
			line = "PING8_WEBHOOK_TOKEN=" + hostTestWebhookToken[:20] // too short
		case strings.HasPrefix(line, "PING8_WEBHOOK_URL="):
			line = "PING8_WEBHOOK_URL=http://app.example.com/hook"
		}
		kept = append(kept, line)
	}
	hostWriteFile(t, env, strings.Join(kept, "\n"), 0o600)
	r := hostRun(t, f.target, "host.envfile.values")
	wantResult(t, r, StatusFail, "KUMOPROXY_HELO: is missing", "PING8_WEBHOOK_TOKEN: is 20 characters long", "use https://")
	if strings.Contains(r.Detail, hostTestWebhookToken[:20]) {
		t.Errorf("detail shows the (truncated) token: %s", r.Detail)
	}
}

func TestTokenIncludePrivateAndSiteFileCleanPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.tokenfile.permissions")
	if os.Geteuid() != 0 {
		wantResult(t, r, StatusFail, "owned by")
		return
	}
	wantResult(t, r, StatusPass, "0600 root:root", "0700", "holds no token")
}

func TestTokenIncludeReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	tok := f.target.Layout.TokenFile(f.target.Deployment.Domain)
	if err := os.Chmod(tok, 0o644); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "mode 0644", "chmod 600 "+tok)
}

func TestTokenDirectoryOpenToOthersFails(t *testing.T) {
	f := newHostFixture(t)
	dir := f.target.Layout.TokenDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, dir+" is mode 0755", "chmod 700 "+dir)
}

func TestSiteFileWithTheTokenInlineFails(t *testing.T) {
	f := newHostFixture(t)
	site := f.target.Layout.SiteFile(f.target.Deployment.Domain)
	b, _ := os.ReadFile(site)
	hostWriteFile(t, site, strings.Replace(string(b), "    default 0;\n", "    default 0;\n    \"~^Bearer \\Q"+hostTestInjectionToken+"\\E$\" 1;\n", 1), 0o644)
	wantResult(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains the injection token", "world-readable")

	// Also a token kumoup does not know about.
	f.target.Deployment.InjectionToken = ""
	hostWriteFile(t, site, string(b)+"\n# map $http_authorization $x { \"Bearer abcdefghijklmnopqrstuvwxyz0123456789\" 1; }\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains a bearer token")
}

// TestSecretFilesUnreadableToTheCallerSkipAskingForRoot re-runs itself as
// nobody (setpriv) against a root-owned fixture: the checks that must read
// 0600 root files skip and say to run as root, instead of failing.
func TestSecretFilesUnreadableToTheCallerSkipAskingForRoot(t *testing.T) {
	if root := os.Getenv("KUMOUP_PROBES_NOBODY_ROOT"); root != "" {
		target := &Target{Deployment: hostTestDeployment(), Layout: writer.Layout{Root: root}}
		for _, id := range []string{"host.envfile.values", "host.tokenfile.permissions"} {
			wantResult(t, hostRun(t, target, id), StatusSkip, "permission denied (run kumoup status as root)")
		}
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as nobody")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv missing: install it with `apt-get install -y util-linux`")
	}
	f := newHostFixture(t)
	// Let nobody reach the fixture and run a copy of this test binary.
	for dir := f.root; dir != filepath.Dir(dir) && strings.HasPrefix(dir, os.TempDir()+"/"); dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"/etc", "/etc/nginx", "/etc/nginx/conf.d", "/etc/default"} {
		_ = os.Chmod(f.path(d), 0o755)
	}
	bin := filepath.Join(f.root, "probes.test")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin,
		"-test.run=^TestSecretFilesUnreadableToTheCallerSkipAskingForRoot$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "KUMOUP_PROBES_NOBODY_ROOT="+f.root)
	cmd.Dir = f.root
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
}
