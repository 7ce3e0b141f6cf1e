package writer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kumoup/kumoup/model"
)

// applyFor plans d under root with PlanFor (tied to the state file) and
// applies it.
func applyFor(t *testing.T, root string, d model.Deployment) *Plan {
	t.Helper()
	p, err := PlanFor(d, Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), ApplyOptions{Now: fixedNow, SkipChown: !CanChown()}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyRecordsEveryFileItWroteInARootOnlyStateFile(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	p := applyFor(t, root, testDeployment())
	mustMode(t, l.StateFile(), 0o600)
	s, err := ReadState(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, c := range p.Changes {
		files = append(files, c.File)
	}
	if len(s.Files) != len(files) {
		t.Fatalf("state records %d files, apply wrote %d", len(s.Files), len(files))
	}
	for _, f := range files {
		rec, ok := s.Record(hostPath(l, f.Path))
		if !ok {
			t.Errorf("%s is not recorded", f.Path)
			continue
		}
		if rec.SHA256 != sha256Hex(f.Content) || rec.Perm() != f.Mode || strings.HasPrefix(rec.Path, root) {
			t.Errorf("record of %s: %+v", f.Path, rec)
		}
	}
	raw := readFile(t, l.StateFile())
	for _, tok := range []string{testInjection, testWebhook} {
		if bytes.Contains(raw, []byte(tok)) {
			t.Fatal("the state file holds a token in clear")
		}
	}
	drift, err := CheckDrift(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drift {
		if d.Changed() {
			t.Errorf("right after apply, %s drifted: %s", d.Path, d.What())
		}
	}
}

func TestCheckDriftNamesContentModeAndDeletion(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	d := testDeployment()
	applyFor(t, root, d)
	site, env, tokens := l.SiteFile(d.Domain), l.EnvFile(), l.TokenFile(d.Domain)
	appendTo(t, site, "# tuned by hand\n")
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(l.LuaModule()); err != nil {
		t.Fatal(err)
	}
	// A second token pasted in by hand: the diff must mask it.
	hand := "hand_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	appendTo(t, tokens, `"~^Bearer \Q`+hand+`\E$" 1;`+"\n")

	drift, err := CheckDrift(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Drift{}
	for _, x := range drift {
		got[x.Path] = x
	}
	if x := got[site]; !x.Content || x.Mode || x.What() != "content" || !strings.Contains(x.Diff(nil), "+# tuned by hand") {
		t.Errorf("site: %s\n%s", x.What(), x.Diff(nil))
	}
	if x := got[env]; x.Content || !x.Mode || x.What() != "mode 0644 (was 0600)" {
		t.Errorf("env: %q", x.What())
	}
	if x := got[l.LuaModule()]; !x.Missing || x.What() != "deleted" {
		t.Errorf("lua: %q", x.What())
	}
	x := got[tokens]
	diff := x.Diff(nil)
	if !x.Content || strings.Contains(diff, hand) || strings.Contains(diff, testInjection) || !strings.Contains(diff, "+\"~^Bearer \\Q••••••••[sha256:") {
		t.Errorf("token include diff shows a token or not the edit:\n%s", diff)
	}
	if x := got[l.AnswersFile()]; x.Changed() {
		t.Errorf("kumoup.yaml drifted: %s", x.What())
	}

	// The plan says it, shows the hand edit, and applying keeps a backup.
	p, err := PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	p.Render(&out)
	for _, want := range []string{
		"changed by hand since the last apply: content; applying replaces it and keeps the edited file as a backup",
		"+# tuned by hand",
		"changed by hand since the last apply: mode 0644 (was 0600); applying restores the mode and owner",
		"changed by hand since the last apply: deleted; applying writes it again",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), hand) || strings.Contains(out.String(), testWebhook) {
		t.Fatalf("plan shows a token:\n%s", out.String())
	}
	if _, err := p.Apply(context.Background(), ApplyOptions{Now: fixedNow, SkipChown: !CanChown()}); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(site + BackupInfix + "*"); len(m) != 1 || !bytes.Contains(readFile(t, m[0]), []byte("# tuned by hand")) {
		t.Errorf("no backup of the hand-edited site: %v", m)
	}
	drift, err = CheckDrift(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range drift {
		if x.Changed() {
			t.Errorf("after apply, %s still drifted: %s", x.Path, x.What())
		}
	}
}

func TestCheckDriftWithoutStateFileSaysSo(t *testing.T) {
	if _, err := CheckDrift(context.Background(), Layout{Root: t.TempDir()}); !errors.Is(err, ErrNoState) {
		t.Fatalf("err = %v, want ErrNoState", err)
	}
}

func TestReadStateRefusesASymlinkAndAFifo(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	if err := os.MkdirAll(filepath.Dir(l.StateFile()), 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(root, "elsewhere.json")
	os.WriteFile(target, []byte(`{"version":1,"files":[]}`), 0o600)
	if err := os.Symlink(target, l.StateFile()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadState(context.Background(), l); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("symlinked state file: err = %v", err)
	}
	os.Remove(l.StateFile())
	if err := syscall.Mkfifo(l.StateFile(), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadState(context.Background(), l); done <- err }()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO state file: err = %v", err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestPlanMasksATokenCommentedOutOrPastedIntoAnotherFile(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	d := testDeployment()
	applyFor(t, root, d)
	old := "old_KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK"
	appendTo(t, l.TokenFile(d.Domain), `# "~^Bearer \Q`+old+`\E$" 1;`+"\n")
	appendTo(t, l.SiteFile(d.Domain), "# webhook is "+testWebhook+"\n")
	p, err := PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	p.Render(&out)
	for _, tok := range []string{old, testWebhook, testInjection} {
		if strings.Contains(out.String(), tok) {
			t.Fatalf("the plan shows a token:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "-# webhook is ••••••••[sha256:") {
		t.Errorf("the pasted token is not shown masked:\n%s", out.String())
	}
}
