package writer

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestSaveAnswersCreatesAPrivateDirectoryOfPrivateFilesWithoutInlineSecrets(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "home", DefaultSaveDir)
	path, err := SaveAnswers(dir, testDeployment())
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, SavedAnswersName) {
		t.Fatalf("answers file %s, want it in %s", path, dir)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("directory mode %04o, want 0700", m)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("directory holds %v, want the answers file and two token files (no temp file left)", entries)
	}
	for _, name := range []string{SavedAnswersName, SavedInjectionTokenName, SavedWebhookTokenName} {
		if m := mode(t, filepath.Join(dir, name)); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", name, m)
		}
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte(testInjection)) || bytes.Contains(data, []byte(testWebhook)) {
		t.Fatalf("the answers file holds a token:\n%s", data)
	}
	if !strings.Contains(string(data), "sudo kumoup apply --answers "+path) {
		t.Errorf("the answers file does not say how to finish:\n%s", data)
	}
}

func TestSavedAnswersReadBackToTheSameDeploymentAndTokens(t *testing.T) {
	d := testDeployment()
	path, err := SaveAnswers(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ReadAnswers(path)
	if err != nil {
		t.Fatal(err)
	}
	// An empty root: the tokens cannot come from a deployment on disk.
	got, src, err := ResolveTokens(a, noEnv, Layout{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if src.Injection.Origin != FromFile || src.Webhook.Origin != FromFile {
		t.Fatalf("tokens %v, %v; want both read from the saved files", src.Injection, src.Webhook)
	}
	if got = got.WithDefaults(); !reflect.DeepEqual(got, d) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, d)
	}
	// Applying the saved answers renders exactly the deployment's files.
	l := Layout{Root: t.TempDir()}
	want, err := Render(d, Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	have, err := Render(got, Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(want) {
		t.Fatalf("%d files rendered from the saved answers, want %d", len(have), len(want))
	}
	for i := range want {
		if have[i].Path != want[i].Path || !bytes.Equal(have[i].Content, want[i].Content) || have[i].Mode != want[i].Mode {
			t.Errorf("%s differs when rendered from the saved answers", want[i].Path)
		}
	}
}

func TestSaveAnswersWithoutTokensNamesNoTokenFile(t *testing.T) {
	d := testDeployment()
	d.WebhookToken = ""
	dir := t.TempDir()
	path, err := SaveAnswers(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ReadAnswers(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.WebhookTokenFile != "" || a.InjectionTokenFile != filepath.Join(dir, SavedInjectionTokenName) {
		t.Fatalf("token files %q, %q", a.InjectionTokenFile, a.WebhookTokenFile)
	}
	if _, err := os.Lstat(filepath.Join(dir, SavedWebhookTokenName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a webhook token file was written for no token: %v", err)
	}
}

func TestSaveAnswersRefusesToOverwriteAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	first := testDeployment()
	path, err := SaveAnswers(dir, first)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	second := testDeployment()
	second.Domain = "other.example.com"
	second.InjectionToken = "other-" + testInjection
	_, err = SaveAnswers(dir, second)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move or remove") {
		t.Fatalf("err = %v, want the existing files named with the fix", err)
	}
	if strings.Contains(err.Error(), testInjection) || strings.Contains(err.Error(), testWebhook) {
		t.Fatal("the error holds a token")
	}
	after, _ := os.ReadFile(path)
	tok, _ := os.ReadFile(filepath.Join(dir, SavedInjectionTokenName))
	if !bytes.Equal(before, after) || string(tok) != testInjection+"\n" {
		t.Fatal("a refused save changed the saved answers")
	}

	// One file in the way: none of the others is written either.
	dir = t.TempDir()
	in := filepath.Join(dir, SavedWebhookTokenName)
	os.WriteFile(in, []byte("mine\n"), 0o600)
	if _, err := SaveAnswers(dir, first); !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), in) {
		t.Fatalf("err = %v, want %s named", err, in)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("a refused save left %v", entries)
	}
}

func TestSaveAnswersRefusesADirectoryOthersCanWriteOrAnotherUserOwns(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	if _, err := SaveAnswers(dir, testDeployment()); err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Fatalf("err = %v, want the chmod that fixes it", err)
	}
	os.Chmod(dir, 0o700)
	geteuid = func() int { return 65534 }
	defer func() { geteuid = os.Geteuid }()
	if _, err := SaveAnswers(dir, testDeployment()); err == nil || !strings.Contains(err.Error(), "choose a directory you own") {
		t.Fatalf("err = %v, want a directory of another user refused", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused save left %v", entries)
	}
}

func TestSaveAnswersRefusesAFileWhereTheDirectoryGoes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(p, nil, 0o600)
	if _, err := SaveAnswers(p, testDeployment()); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Fatalf("err = %v", err)
	}
}
