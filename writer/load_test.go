package writer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func noEnv(string) string { return "" }

func TestLoadReadsBackTheAppliedDeploymentWithBothTokens(t *testing.T) {
	root := t.TempDir()
	d := testDeployment()
	planAndApply(t, renderUnder(t, root, d))
	got, err := Load(Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got.InjectionToken != testInjection || got.WebhookToken != testWebhook {
		t.Fatal("tokens not read back")
	}
	if got.Domain != d.Domain || got.ProxyHost != d.ProxyHost || got.ProxyPort != d.ProxyPort || got.Listener != d.Listener || got.TLSCertificate != d.TLSCertificate {
		t.Fatalf("read back %+v", got)
	}
	if err := got.Validate().Err(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadWithoutDeploymentSaysHowToCreateOne(t *testing.T) {
	_, err := Load(Layout{Root: t.TempDir()})
	if !errors.Is(err, ErrNoDeployment) || !strings.Contains(err.Error(), "kumoup.yaml: run kumoup setup or kumoup apply --answers FILE") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadNamesAMissingEnvironmentFile(t *testing.T) {
	root := t.TempDir()
	planAndApply(t, renderUnder(t, root, testDeployment()))
	os.Remove(filepath.Join(root, EnvFilePath))
	d, err := Load(Layout{Root: root})
	if err == nil || !strings.Contains(err.Error(), EnvFilePath) || !strings.Contains(err.Error(), "kumoup apply") {
		t.Fatalf("err = %v", err)
	}
	if d.Domain != "mta.example.com" {
		t.Fatalf("partial deployment lost the domain: %+v", d)
	}
}

func TestLoadNamesATokenIncludeWithoutToken(t *testing.T) {
	root := t.TempDir()
	planAndApply(t, renderUnder(t, root, testDeployment()))
	os.WriteFile(filepath.Join(root, TokenDir, "mta.example.com.tokens"), []byte("# emptied\n"), 0o600)
	if _, err := Load(Layout{Root: root}); err == nil || !strings.Contains(err.Error(), "no token line") {
		t.Fatalf("err = %v", err)
	}
}

func answers() model.Answers {
	d := testDeployment()
	d.InjectionToken, d.WebhookToken = "", ""
	return model.Answers{Deployment: d}
}

func writeToken(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode)
	return p
}

func TestResolveTokensReadsTokenFilesTrimmingOneNewline(t *testing.T) {
	a := answers()
	a.InjectionTokenFile = writeToken(t, testInjection+"\n", 0o600)
	a.WebhookTokenFile = writeToken(t, testWebhook, 0o400)
	d, src, err := ResolveTokens(a, noEnv, Layout{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testInjection || d.WebhookToken != testWebhook {
		t.Fatal("tokens not read from files")
	}
	if src.Injection.Origin != FromFile || src.Injection.Where != a.InjectionTokenFile || strings.Contains(src.Injection.String(), testInjection) {
		t.Fatalf("source = %+v", src.Injection)
	}
}

func TestResolveTokensRefusesAGroupOrWorldReadableTokenFile(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
		a := answers()
		a.WebhookTokenFile = writeToken(t, testWebhook, mode)
		_, _, err := ResolveTokens(a, noEnv, Layout{Root: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+a.WebhookTokenFile) || !strings.Contains(err.Error(), "webhook_token_file") {
			t.Errorf("mode %04o: err = %v", mode, err)
		}
		if err != nil && strings.Contains(err.Error(), testWebhook) {
			t.Error("error shows the token")
		}
	}
}

func TestResolveTokensTakesTheEnvironmentWhenNoFile(t *testing.T) {
	env := map[string]string{EnvInjectionToken: testInjection, EnvWebhookToken: testWebhook}
	d, src, err := ResolveTokens(answers(), func(k string) string { return env[k] }, Layout{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testInjection || d.WebhookToken != testWebhook || src.Webhook.Origin != FromEnvironment || src.Webhook.Where != EnvWebhookToken {
		t.Fatalf("got %+v", src)
	}
}

func TestResolveTokensGeneratesThenReusesWhatIsOnDisk(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	d, src, err := ResolveTokens(answers(), noEnv, l)
	if err != nil {
		t.Fatal(err)
	}
	if src.Injection.Origin != Generated || src.Webhook.Origin != Generated || d.InjectionToken == d.WebhookToken {
		t.Fatalf("first run: %+v", src)
	}
	if err := d.Validate().Err(); err != nil {
		t.Fatal(err)
	}
	planAndApply(t, renderUnder(t, root, d))

	again, src, err := ResolveTokens(answers(), noEnv, l)
	if err != nil {
		t.Fatal(err)
	}
	if again.InjectionToken != d.InjectionToken || again.WebhookToken != d.WebhookToken {
		t.Fatal("re-run generated new tokens instead of keeping the ones on disk")
	}
	if src.Injection.Origin != FromDisk || src.Injection.Where != l.TokenFile("mta.example.com") || src.Webhook.Where != l.EnvFile() {
		t.Fatalf("re-run sources: %+v", src)
	}
}

func TestResolveTokensKeepsTheInjectionTokenWhenTheDomainChanges(t *testing.T) {
	root := t.TempDir()
	planAndApply(t, renderUnder(t, root, testDeployment()))
	a := answers()
	a.Domain = "mta2.example.com"
	d, src, err := ResolveTokens(a, noEnv, Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testInjection || src.Injection.Origin != FromDisk {
		t.Fatalf("source %+v", src.Injection)
	}
}

func TestReadAnswersResolvesTokenFilesNextToTheAnswersFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "answers.yaml")
	os.WriteFile(p, []byte("domain: mta.example.com\ninjection_token_file: inj.token\nwebhook_token_file: /abs/whk\n"), 0o644)
	a, err := ReadAnswers(p)
	if err != nil {
		t.Fatal(err)
	}
	if a.InjectionTokenFile != filepath.Join(dir, "inj.token") || a.WebhookTokenFile != "/abs/whk" {
		t.Fatalf("got %q %q", a.InjectionTokenFile, a.WebhookTokenFile)
	}
	os.WriteFile(p, []byte("domian: x\n"), 0o644)
	if _, err := ReadAnswers(p); err == nil || !strings.Contains(err.Error(), "domian") || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveTokensOnAnUnparsableEnvironmentFileNamesTheWayToGiveTheWebhookToken(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	if err := os.MkdirAll(filepath.Dir(l.EnvFile()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.EnvFile(), []byte("not a variable line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := model.Answers{Deployment: testDeployment()}
	_, _, err := ResolveTokens(a, noEnv, l)
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "$"+EnvWebhookToken) {
		t.Fatalf("err = %v, want the line and $%s named", err, EnvWebhookToken)
	}
	// The way the message names works: the token from the environment
	// lets apply go on and rewrite the file.
	d, src, err := ResolveTokens(a, func(k string) string {
		if k == EnvWebhookToken {
			return testWebhook
		}
		return ""
	}, l)
	if err != nil || d.WebhookToken != testWebhook || src.Webhook.Origin != FromEnvironment {
		t.Fatalf("with $%s: err = %v, source %v", EnvWebhookToken, err, src.Webhook)
	}
}
