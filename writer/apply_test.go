package writer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 22, 0, 45, 12, 0, time.UTC) }

func planAndApply(t *testing.T, files []File) (*Plan, *Report) {
	t.Helper()
	p, err := NewPlan(files)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Apply(context.Background(), ApplyOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

func TestApplyCreatesEveryFileWithItsModeAndTheTokenDir0700(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	p, r := planAndApply(t, files)
	for _, c := range p.Changes {
		if c.Action != Create {
			t.Errorf("%s: planned %v, want create", c.File.Path, c.Action)
		}
	}
	if r.Changed() != len(files) || len(r.Backups()) != 0 {
		t.Fatalf("report: %s, backups %v", r.Summary(), r.Backups())
	}
	for _, f := range files {
		if got := readFile(t, f.Path); string(got) != string(f.Content) {
			t.Errorf("%s: content differs", f.Path)
		}
		mustMode(t, f.Path, f.Mode)
	}
	mustMode(t, filepath.Join(root, TokenDir), 0o700)
}

func TestApplySameAnswersAgainChangesNothing(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	// Every file dated an hour back: a rewrite would date it now, however
	// coarse the file system's clock.
	before := map[string]time.Time{}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range files {
		if err := os.Chtimes(f.Path, past, past); err != nil {
			t.Fatal(err)
		}
		before[f.Path] = past
	}
	p, r := planAndApply(t, renderUnder(t, root, testDeployment()))
	if p.Changed() != 0 || r.Changed() != 0 || !strings.HasPrefix(p.Summary(), "0 changed") {
		t.Fatalf("second apply: plan %q, report %q", p.Summary(), r.Summary())
	}
	for _, f := range files {
		fi, _ := os.Stat(f.Path)
		if !fi.ModTime().Equal(before[f.Path]) {
			t.Errorf("%s was rewritten (mtime changed)", f.Path)
		}
		if m, _ := filepath.Glob(f.Path + BackupInfix + "*"); len(m) != 0 {
			t.Errorf("backup made of an unchanged file: %v", m)
		}
	}
}

func TestApplyBacksUpAReplacedSecretFileKeeping0600(t *testing.T) {
	root := t.TempDir()
	d := testDeployment()
	planAndApply(t, renderUnder(t, root, d))
	oldEnv := readFile(t, filepath.Join(root, EnvFilePath))

	d.WebhookToken = "whk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	d.ProxyPort = 1080
	p, r := planAndApply(t, renderUnder(t, root, d))
	var envChange Change
	for _, c := range p.Changes {
		if c.File.Path == filepath.Join(root, EnvFilePath) {
			envChange = c
		}
	}
	if envChange.Action != Update {
		t.Fatalf("env file planned %v, want update", envChange.Action)
	}
	backup := BackupName(filepath.Join(root, EnvFilePath), fixedNow())
	if got := r.Backups(); len(got) != 2 || got[0] != backup {
		t.Fatalf("backups = %v, want %s first (then kumoup.yaml's)", got, backup)
	}
	if string(readFile(t, backup)) != string(oldEnv) {
		t.Fatal("backup does not hold the old environment file")
	}
	mustMode(t, backup, 0o600)
	mustMode(t, filepath.Join(root, EnvFilePath), 0o600)
	if !strings.Contains(string(readFile(t, filepath.Join(root, EnvFilePath))), "KUMOPROXY_PORT=1080") {
		t.Fatal("new content not written")
	}
}

func TestApplyKeepsAnotherBackupMadeTheSameSecond(t *testing.T) {
	root := t.TempDir()
	d := testDeployment()
	planAndApply(t, renderUnder(t, root, d))
	d.ProxyPort = 1080
	planAndApply(t, renderUnder(t, root, d))
	d.ProxyPort = 1081
	_, r := planAndApply(t, renderUnder(t, root, d))
	if b := r.Backups(); len(b) == 0 || !strings.HasSuffix(b[0], "Z-1") {
		t.Fatalf("second backup in the same second = %v, want a -1 suffix", b)
	}
}

func TestMaskedDiffNeverShowsOldOrNewToken(t *testing.T) {
	root := t.TempDir()
	d := testDeployment()
	planAndApply(t, renderUnder(t, root, d))
	d.WebhookToken = "whk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	d.InjectionToken = "inj_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"
	p, err := NewPlan(renderUnder(t, root, d))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := p.Render(&out); err != nil {
		t.Fatal(err)
	}
	var diffs int
	for _, c := range p.Changes {
		if c.Diff != "" {
			diffs++
		}
	}
	if diffs != 2 {
		t.Fatalf("%d diffs, want 2 (env file and token include):\n%s", diffs, out.String())
	}
	for _, tok := range []string{testWebhook, testInjection, d.WebhookToken, d.InjectionToken, "AAAAAAAAAAAAAAAA", "CCCCCCCCCCCCCCCC"} {
		if strings.Contains(out.String(), tok) {
			t.Errorf("plan output shows token %q:\n%s", tok, out.String())
		}
	}
	if !strings.Contains(out.String(), "-PING8_WEBHOOK_TOKEN=••••••••") || !strings.Contains(out.String(), `\Q••••••••[sha256:`) {
		t.Errorf("diff does not show the masked token lines:\n%s", out.String())
	}
}

func TestPlanShowsModeOnlyChangeAndApplyFixesItInPlace(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	env := filepath.Join(root, EnvFilePath)
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, TokenDir), 0o755); err != nil {
		t.Fatal(err)
	}
	p, r := planAndApply(t, files)
	if p.Changed() != 2 {
		t.Fatalf("plan: %s, want 2 mode changes", p.Summary())
	}
	for _, c := range p.Changes {
		if c.Changed() && (!c.ModeChange || c.Diff != "") {
			t.Errorf("%s: ModeChange=%v diff=%q", c.File.Path, c.ModeChange, c.Diff)
		}
	}
	if len(r.Backups()) != 0 {
		t.Errorf("mode-only change made backups: %v", r.Backups())
	}
	mustMode(t, env, 0o600)
	mustMode(t, filepath.Join(root, TokenDir), 0o700)
}

func TestApplyCreatesTempFilesExclusivelyAt0600(t *testing.T) {
	root := t.TempDir()
	var mu sync.Mutex
	var seen []string
	afterTempCreate = func(p string) {
		fi, err := os.Stat(p)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("stat temp: %v", err)
			return
		}
		if fi.Mode().Perm() != 0o600 || fi.Size() != 0 {
			t.Errorf("temp %s created mode %04o size %d, want 0600 and empty", p, fi.Mode().Perm(), fi.Size())
		}
		if !strings.HasPrefix(filepath.Base(p), TempPrefix) {
			t.Errorf("temp %s lacks the %s prefix", p, TempPrefix)
		}
		seen = append(seen, p)
		// O_EXCL: a second create of the same name must fail.
		if _, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); !errors.Is(err, os.ErrExist) {
			t.Errorf("temp %s could be created twice: %v", p, err)
		}
	}
	defer func() { afterTempCreate = nil }()
	d := testDeployment()
	planAndApply(t, renderUnder(t, root, d))
	d.WebhookToken = "whk_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	planAndApply(t, renderUnder(t, root, d)) // backup + replace
	if len(seen) != 6+2 {
		t.Fatalf("saw %d temp files, want 8 (6 creates, a backup and a replace)", len(seen))
	}
}

func TestApplyRefusesWithoutRootBeforeTouchingAnything(t *testing.T) {
	geteuid = func() int { return 65534 }
	defer func() { geteuid = os.Geteuid }()
	if err := RequireRoot(Layout{}); !errors.Is(err, ErrNotRoot) || !strings.Contains(err.Error(), "--root") {
		t.Fatalf("RequireRoot on the host as non-root = %v", err)
	}
	if err := RequireRoot(Layout{Root: t.TempDir()}); err != nil {
		t.Fatalf("RequireRoot under --root = %v, want nil", err)
	}
	root := t.TempDir()
	p, err := NewPlan(renderUnder(t, root, testDeployment()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), ApplyOptions{}); !errors.Is(err, ErrNotRoot) {
		t.Fatalf("Apply as non-root without SkipChown = %v", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("refused apply touched %s: %v", root, entries)
	}
}

func TestRequireRootAcceptsRoot(t *testing.T) {
	geteuid = func() int { return 0 }
	defer func() { geteuid = os.Geteuid }()
	if err := RequireRoot(Layout{}); err != nil {
		t.Fatal(err)
	}
}

func TestApplyRemovesTempFilesLeftByAKilledRun(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	left := filepath.Join(root, TokenDir, TempPrefix+"mta.example.com.tokens-abc")
	if err := os.WriteFile(left, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, r := planAndApply(t, files)
	if len(p.Leftovers) != 1 || len(r.RemovedTemps) != 1 || !strings.Contains(p.Summary(), "leftover") {
		t.Fatalf("leftovers %v, removed %v", p.Leftovers, r.RemovedTemps)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("leftover temp still there: %v", err)
	}
}

func TestApplyStopsAtAFailureAndReportsWhatWasLeft(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	p, err := NewPlan(files)
	if err != nil {
		t.Fatal(err)
	}
	// After planning, a file appears where the site file's directory goes.
	if err := os.MkdirAll(filepath.Join(root, "etc/nginx"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, NginxConfDir), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := p.Apply(context.Background(), ApplyOptions{})
	if err == nil {
		t.Fatal("apply succeeded with a file in place of conf.d")
	}
	want := []Status{Written, Written, Failed, NotAttempted, NotAttempted, NotAttempted}
	for i, o := range r.Outcomes {
		if o.Status != want[i] {
			t.Errorf("%s: %v, want %v", o.Change.File.Path, o.Status, want[i])
		}
	}
	var out strings.Builder
	r.Render(&out)
	if !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "untouched") {
		t.Errorf("report does not say what failed and what was left:\n%s", out.String())
	}
	if _, err := os.Stat(files[3].Path); !os.IsNotExist(err) {
		t.Errorf("file after the failure was written: %v", err)
	}
}

func TestPlanRefusesASymlinkTarget(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	if err := os.MkdirAll(filepath.Dir(files[0].Path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", files[0].Path); err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(files); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v", err)
	}
}

func TestApplyGivesTheTokenDirBackToRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test chowns files: run it as root")
	}
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	dir := filepath.Join(root, TokenDir)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	p, _ := planAndApply(t, files)
	if p.Changed() != 1 {
		t.Fatalf("plan: %s, want the token include's directory fixed", p.Summary())
	}
	fi, _ := os.Stat(dir)
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
		t.Fatalf("token dir owned by %d:%d after apply", st.Uid, st.Gid)
	}
}

func TestMaskedDiffHidesTokensInHandEditedFiles(t *testing.T) {
	const oldWebhook = "whk_EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"
	const oldInjection = "inj_FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
	cases := map[string]string{
		"env file that no longer parses": "export PING8_WEBHOOK_TOKEN=\"" + oldWebhook + "\"\nthis line is broken\n",
		"guide-style plain map key":      "\"Bearer " + oldInjection + "\" 1;\n",
		"regex key":                      "\"~^Bearer \\Q" + oldInjection + "\\E$\" 1;\n",
	}
	for name, old := range cases {
		t.Run(name, func(t *testing.T) {
			diff := maskedDiff("old", "new", []byte(old), []byte("PING8_WEBHOOK_TOKEN="+testWebhook+"\n"), []string{testWebhook})
			if strings.Contains(diff, oldWebhook) || strings.Contains(diff, oldInjection) || strings.Contains(diff, testWebhook) {
				t.Fatalf("diff shows a token:\n%s", diff)
			}
			if !strings.Contains(diff, "••••••••") {
				t.Fatalf("diff has no mask:\n%s", diff)
			}
		})
	}
}

func TestApplyRefusesWhileAnotherApplyHoldsTheDirectories(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	p, err := NewPlan(files)
	if err != nil {
		t.Fatal(err)
	}
	held, err := lockDirs(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(context.Background(), ApplyOptions{})
	held.release()
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("apply during another apply: %v, want ErrBusy", err)
	}
	if _, err := p.Apply(context.Background(), ApplyOptions{}); err != nil {
		t.Fatalf("apply after the other finished: %v", err)
	}
}
