package probes

import (
	"os"
	"strings"
	"testing"
)

func TestEnvFilePrivateToRootPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.envfile.permissions")
	if os.Geteuid() != 0 {
		hostWant(t, r, StatusFail, "owned by") // the writer chowns only as root
		return
	}
	hostWant(t, r, StatusPass, "0600 root:root")
}

func TestEnvFileReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, f.target, "host.envfile.permissions")
	hostWant(t, r, StatusFail, "mode 0644", "chmod 600 "+env+" && chown root:root "+env)
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
	hostWant(t, r, StatusFail, "owned by nobody", "chown root:root")
}

func TestEnvFileMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.EnvFile())
	hostWant(t, hostRun(t, f.target, "host.envfile.permissions"), StatusFail, "does not exist", "kumoup apply")
	hostWant(t, hostRun(t, f.target, "host.envfile.values"), StatusSkip, "does not exist")
}

func TestEnvFileWithAllValidValuesPasses(t *testing.T) {
	f := newHostFixture(t)
	hostWant(t, hostRun(t, f.target, "host.envfile.values"), StatusPass, "all 6 variables")
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
	hostWant(t, r, StatusFail, "KUMOPROXY_HELO: is missing", "PING8_WEBHOOK_TOKEN: is 20 characters long", "use https://")
	if strings.Contains(r.Detail, hostTestWebhookToken[:20]) {
		t.Errorf("detail shows the (truncated) token: %s", r.Detail)
	}
}

func TestTokenIncludePrivateAndSiteFileCleanPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.tokenfile.permissions")
	if os.Geteuid() != 0 {
		hostWant(t, r, StatusFail, "owned by")
		return
	}
	hostWant(t, r, StatusPass, "0600 root:root", "0700", "holds no token")
}

func TestTokenIncludeReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	tok := f.target.Layout.TokenFile(f.target.Deployment.Domain)
	if err := os.Chmod(tok, 0o644); err != nil {
		t.Fatal(err)
	}
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "mode 0644", "chmod 600 "+tok)
}

func TestTokenDirectoryOpenToOthersFails(t *testing.T) {
	f := newHostFixture(t)
	dir := f.target.Layout.TokenDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, dir+" is mode 0755", "chmod 700 "+dir)
}

func TestSiteFileWithTheTokenInlineFails(t *testing.T) {
	f := newHostFixture(t)
	site := f.target.Layout.SiteFile(f.target.Deployment.Domain)
	b, _ := os.ReadFile(site)
	hostWriteFile(t, site, strings.Replace(string(b), "    default 0;\n", "    default 0;\n    \"~^Bearer \\Q"+hostTestInjectionToken+"\\E$\" 1;\n", 1), 0o644)
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains the injection token", "world-readable")

	// Also a token kumoup does not know about.
	f.target.Deployment.InjectionToken = ""
	hostWriteFile(t, site, string(b)+"\n# map $http_authorization $x { \"Bearer abcdefghijklmnopqrstuvwxyz0123456789\" 1; }\n", 0o644)
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains a bearer token")
}
