package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// fakeKumodValidate is a kumod that records its argv and environment,
// insists on every variable of the environment file (as kumoup's module
// does), refuses a token on its command line, and echoes the webhook token
// (which kumoup must mask). A file "reject" beside it makes it reject the
// policy as kumod does (exit 1).
const fakeKumodValidate = `#!/bin/sh
dir=$(dirname "$0")
{ echo "argv: $*"; env; } > "$dir/kumod.log"
case "$*" in *whk_*|*inj_*) echo "a token is on the command line"; exit 3;; esac
[ "$1" = --validate ] || { echo "not --validate"; exit 4; }
for v in PING8_WEBHOOK_TOKEN PING8_WEBHOOK_URL KUMOPROXY_HOST KUMOPROXY_PORT KUMOPROXY_PUBLIC_IP KUMOPROXY_HELO; do
  eval "val=\${$v}"
  [ -n "$val" ] || { echo "kumoup: environment variable(s) unset or empty: $v"; exit 1; }
done
if [ -f "$dir/reject" ]; then
  echo "get_egress_source event already has a handler defined at init.lua:12"
  exit 1
fi
echo "hook authorization: Bearer $PING8_WEBHOOK_TOKEN"
exit 0
`

// appliedTree applies the good answers under a fresh root and installs the
// fake kumod there.
func appliedTree(t *testing.T) (string, writer.Layout) {
	t.Helper()
	t.Setenv("KUMOUP_INJECTION_TOKEN", applyTestInjection)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	root := t.TempDir()
	if r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root); r.code != 0 {
		t.Fatalf("apply: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	l := writer.Layout{Root: root}
	if err := os.MkdirAll(filepath.Dir(l.Kumod()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Kumod(), []byte(fakeKumodValidate), 0o755); err != nil {
		t.Fatal(err)
	}
	return root, l
}

func TestPolicyValidateRunsKumodWithTheEnvironmentFileAndNoSecretInArgv(t *testing.T) {
	root, l := appliedTree(t)
	r := kumoup(t, "policy", "validate", "--root", root)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, applyTestWebhook, applyTestInjection)
	if !strings.Contains(r.stdout, "the policy loads") || !strings.Contains(r.stdout, l.EnvFile()) {
		t.Errorf("output:\n%s", r.stdout)
	}
	log, err := os.ReadFile(filepath.Join(filepath.Dir(l.Kumod()), "kumod.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"argv: --validate --policy " + l.PolicyInit(), "PING8_WEBHOOK_TOKEN=" + applyTestWebhook, "KUMOPROXY_HOST=10.0.0.5"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("kumod did not get %q:\n%s", want, log)
		}
	}
	if strings.Contains(string(log), "KUMOUP_WEBHOOK_TOKEN") {
		t.Error("kumod inherited kumoup's own environment; it must get only what systemd gives it")
	}
}

func TestPolicyValidateReportsKumodsRejection(t *testing.T) {
	root, l := appliedTree(t)
	if err := os.WriteFile(filepath.Join(filepath.Dir(l.Kumod()), "reject"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, "policy", "validate", "--root", root)
	if r.code != exitFailure || !strings.Contains(r.stdout, "already has a handler") || !strings.Contains(r.stdout, "kumod rejected the policy") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestPolicyValidateWithoutTheEnvironmentFileIsAUsageError(t *testing.T) {
	root, l := appliedTree(t)
	if err := os.Remove(l.EnvFile()); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, "policy", "validate", "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "kumoup apply") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestPolicyValidateWithoutKumodSaysToInstallIt(t *testing.T) {
	root, l := appliedTree(t)
	if err := os.Remove(l.Kumod()); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, "policy", "validate", "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "install KumoMTA 2024.06.10") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
