package probes

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestDistinctTokensPass(t *testing.T) {
	f := newHostFixture(t)
	wantResult(t, hostRun(t, f.target, "host.tokens.distinct"), StatusPass, "differ")
}

func TestEqualTokensFail(t *testing.T) {
	f := newHostFixture(t)
	f.target.Deployment.WebhookToken = f.target.Deployment.InjectionToken
	wantResult(t, hostRun(t, f.target, "host.tokens.distinct"), StatusFail, "are the same", "KUMOUP_WEBHOOK_TOKEN=")
}

func TestCleanHistoriesPass(t *testing.T) {
	f := newHostFixture(t)
	hostWriteFile(t, f.path("/root/.bash_history"), "ls\nkumoup status\n", 0o600)
	hostWriteFile(t, f.path("/home/alice/.local/share/fish/fish_history"), "- cmd: ls\n  when: 1700000000\n", 0o600)
	wantResult(t, hostRun(t, f.target, "host.tokens.history"), StatusPass, "2 shell history files of 2 home directories", "1 readable answers files")
}

func TestTokenInAShellHistoryFailsNamingTheFile(t *testing.T) {
	for _, tc := range []struct {
		name, path, content, want string
	}{
		{"bash", "/root/.bash_history", "ls\ncurl -H 'Authorization: Bearer " + hostTestInjectionToken + "' https://mta.example.com/metrics\n", "the injection token in %s line 2"},
		{"zsh", "/home/alice/.zsh_history", ": 1700000000:0;export PING8_WEBHOOK_TOKEN=" + hostTestWebhookToken + "\n", "the webhook token in %s line 1"},
		{"fish", "/home/alice/.local/share/fish/fish_history", "- cmd: ls\n  when: 1\n- cmd: echo " + hostTestInjectionToken + "\n  when: 2\n", "the injection token in %s line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHostFixture(t)
			path := f.path(tc.path)
			hostWriteFile(t, path, tc.content, 0o600)
			r := hostRun(t, f.target, "host.tokens.history")
			wantResult(t, r, StatusFail, fmt.Sprintf(tc.want, path), "rotate")
		})
	}
}

func TestTokenInAReadableAnswersFileFails(t *testing.T) {
	f := newHostFixture(t)
	answers := filepath.Join(filepath.Dir(f.target.Layout.AnswersFile()), "answers.yaml")
	hostWriteFile(t, answers, "domain: mta.example.com\ninjection_token: "+hostTestInjectionToken+"\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.tokens.history"), StatusFail, "the injection token in "+answers+" (mode 0644, line 2)", "chmod 600 "+answers)

	// The same file closed to others is where a secret may live.
	if err := os.Chmod(answers, 0o600); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, f.target, "host.tokens.history"), StatusPass)
}
