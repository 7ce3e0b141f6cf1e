package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// Fixed test tokens: never real secrets.
const (
	applyTestInjection = "inj_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	applyTestWebhook   = "whk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

const goodAnswers = `domain: mta.example.com
webhook_url: https://app.example.com/kumo/events
proxy_host: 10.0.0.5
proxy_public_ip: 8.8.4.4
helo: mail.example.com
`

type run struct {
	code           int
	stdout, stderr string
}

// kumoup runs the real command tree in-process with args.
func kumoup(t *testing.T, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errb.WriteString(err.Error())
	}
	return run{exitCode(err), out.String(), errb.String()}
}

func answersFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func isEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("%s is not empty: %v", dir, entries)
	}
}

func noSecretIn(t *testing.T, r run, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("output shows a token:\n%s\n%s", r.stdout, r.stderr)
		}
	}
}

func TestApplyListsEveryProblemAndWritesNothing(t *testing.T) {
	root := t.TempDir()
	bad := "domain: mta.example.com;x\nwebhook_url: http://app.example.com/e\nproxy_host: 10.0.0.5\nproxy_public_ip: 192.0.2.1\nhelo: mail.example.com\nlistener: 0.0.0.0:8000\nmax_body: 0\n"
	r := kumoup(t, "apply", "--answers", answersFile(t, bad), "--root", root)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"error    domain:", "error    webhook_url:", "error    listener:", "error    max_body:", "warning  proxy_public_ip:", "nothing written"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("problems lack %q:\n%s", want, r.stderr)
		}
	}
	isEmptyDir(t, root)
}

func TestApplyNamesAnUnknownKey(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers+"proxy_hots: 10.0.0.6\n"), "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "proxy_hots") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	isEmptyDir(t, root)
}

func TestApplyRefusesAnInlineToken(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers+"injection_token: "+applyTestInjection+"\n"), "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "injection_token_file") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	noSecretIn(t, r, applyTestInjection)
	isEmptyDir(t, root)
}

func TestApplyRefusesATokenFileOthersCanRead(t *testing.T) {
	root := t.TempDir()
	tok := filepath.Join(t.TempDir(), "webhook.token")
	os.WriteFile(tok, []byte(applyTestWebhook+"\n"), 0o644)
	os.Chmod(tok, 0o644)
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers+"webhook_token_file: "+tok+"\n"), "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "chmod 600 "+tok) {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	noSecretIn(t, r, applyTestWebhook)
	isEmptyDir(t, root)
}

func TestApplyHasNoFlagForSecrets(t *testing.T) {
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", t.TempDir(), "--injection-token", applyTestInjection)
	if r.code != exitUsage {
		t.Fatalf("exit %d, want 2 for an unknown flag", r.code)
	}
}

func TestApplyDryRunWritesNothing(t *testing.T) {
	root := t.TempDir()
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root, "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "6 to create") || !strings.Contains(r.stdout, "Dry run: nothing written.") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	isEmptyDir(t, root)
}

func TestApplyWritesThenSecondRunChangesNothingAndKeepsTokens(t *testing.T) {
	root := t.TempDir()
	dir := t.TempDir()
	inj := filepath.Join(dir, "inj.token")
	os.WriteFile(inj, []byte(applyTestInjection+"\n"), 0o600)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	ans := answersFile(t, goodAnswers+"injection_token_file: "+inj+"\n")

	r := kumoup(t, "apply", "--answers", ans, "--root", root)
	if r.code != exitOK {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"read from " + inj, "read from $KUMOUP_WEBHOOK_TOKEN", "6 changed",
		"Base URL          https://mta.example.com", "Injection path    /api/inject/v1",
		"Metrics URL       https://mta.example.com/metrics", "Auth mode         Bearer",
		"Auth secret       ••••••••", "TLS verification  on",
		"nginx -t && systemctl reload nginx", "systemctl daemon-reload && systemctl restart kumomta",
		"local kumoup = require 'kumoup'",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	noSecretIn(t, r, applyTestInjection, applyTestWebhook)
	l := writer.Layout{Root: root}
	env, _ := os.ReadFile(l.EnvFile())
	if !strings.Contains(string(env), "PING8_WEBHOOK_TOKEN="+applyTestWebhook) {
		t.Fatal("webhook token from the environment not written")
	}

	// Second run: no token source given any more; the ones on disk are kept.
	os.Setenv("KUMOUP_WEBHOOK_TOKEN", "")
	r = kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root)
	if r.code != exitOK || !strings.Contains(r.stdout, "0 changed") || strings.Count(r.stdout, "kept from") != 2 {
		t.Fatalf("second run, exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(root, "etc/default/*"+writer.BackupInfix+"*")); len(m) != 0 {
		t.Fatalf("second run made backups: %v", m)
	}
	noSecretIn(t, r, applyTestInjection, applyTestWebhook)
}

// buildKumoup builds the command into a directory any user can enter.
func buildKumoup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if strings.HasPrefix(d, os.TempDir()) && d != os.TempDir() {
			os.Chmod(d, 0o755)
		}
	}
	bin := filepath.Join(dir, "kumoup")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// asNobody runs bin as uid/gid 65534 with setpriv.
func asNobody(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to user nobody: run it as root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatal("setpriv not found: apt-get install -y util-linux")
	}
	cmd := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestApplyAsNonRootRefusesTheHostAndKeepsModesUnderRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and switches users")
	}
	bin := buildKumoup(t)
	ans := filepath.Join(filepath.Dir(bin), "answers.yaml")
	os.WriteFile(ans, []byte(goodAnswers), 0o644)

	code, out := asNobody(t, bin, "apply", "--answers", ans)
	flat := strings.ToLower(strings.Join(strings.Fields(out), " ")) // fang wraps and capitalizes
	if code != exitUsage || !strings.Contains(flat, "not running as root") || !strings.Contains(flat, "pass --root dir") {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	root := filepath.Join(filepath.Dir(bin), "tree")
	os.Mkdir(root, 0o755)
	os.Chown(root, 65534, 65534)
	code, out = asNobody(t, bin, "apply", "--answers", ans, "--root", root)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	l := writer.Layout{Root: root}
	for p, want := range map[string]os.FileMode{l.EnvFile(): 0o600, l.TokenFile("mta.example.com"): 0o600, l.TokenDir(): 0o700, l.SiteFile("mta.example.com"): 0o644, l.LuaModule(): 0o644} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}
}

func TestApplyMakesARelativeRootAbsoluteInsideTheFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", "tree")
	if r.code != exitOK {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	site, err := os.ReadFile(filepath.Join(dir, "tree/etc/nginx/conf.d/mta.example.com.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(site), "include "+filepath.Join(dir, "tree/etc/nginx/kumoup/mta.example.com.tokens")+";") {
		t.Fatal("the site file does not include the token file by its absolute path")
	}
}

// TestApplyExitsOneWhenTheTreeCannotBeWritten: a file where a directory must
// be (etc/kumoup) is a failure while writing (1), not bad input (2); no
// file is half-written.
func TestApplyExitsOneWhenTheTreeCannotBeWritten(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/kumoup"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUMOUP_INJECTION_TOKEN", applyTestInjection)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root)
	if r.code != exitFailure || !strings.Contains(r.stderr, "etc/kumoup") {
		t.Fatalf("exit %d, want 1 naming etc/kumoup:\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, applyTestInjection, applyTestWebhook)
	if m, _ := filepath.Glob(filepath.Join(root, "etc/default/*")); len(m) != 0 {
		t.Errorf("files written although the plan failed: %v", m)
	}
}
