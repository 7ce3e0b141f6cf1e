package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kumoup/kumoup/model"
)

// dirLevels are the directories between root and each of files' paths,
// each once, shallowest first.
func dirLevels(root string, files []File) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		rel, _ := filepath.Rel(root, filepath.Dir(f.Path))
		p := root
		for _, part := range strings.Split(rel, "/") {
			p = filepath.Join(p, part)
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// emptyDir reports what is in dir, failing when it is not empty.
func mustBeEmpty(t *testing.T, dir string) {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			found = append(found, p)
		}
		return nil
	})
	if len(found) > 0 {
		t.Fatalf("files written outside the tree: %v", found)
	}
}

func TestApplyRefusesASymlinkedDirectoryAtEveryLevel(t *testing.T) {
	probe := t.TempDir()
	for _, level := range dirLevels(probe, renderUnder(t, probe, testDeployment())) {
		rel, _ := filepath.Rel(probe, level)
		t.Run(rel, func(t *testing.T) {
			for _, when := range []string{"before planning", "after planning"} {
				root, outside := t.TempDir(), t.TempDir()
				os.Chmod(outside, 0o755)
				files := renderUnder(t, root, testDeployment())
				link := filepath.Join(root, rel)
				plant := func() {
					if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(outside, link); err != nil {
						t.Fatal(err)
					}
				}
				var err error
				if when == "before planning" {
					plant()
					_, err = NewPlan(files)
				} else {
					var p *Plan
					if p, err = NewPlan(files); err != nil {
						t.Fatal(err)
					}
					plant()
					_, err = p.Apply(context.Background(), ApplyOptions{Now: fixedNow})
				}
				if err == nil || !strings.Contains(err.Error(), link+" is a symbolic link") {
					t.Fatalf("%s: err = %v; want the link %s refused", when, err, link)
				}
				mustBeEmpty(t, outside)
				mustMode(t, outside, 0o755)
			}
		})
	}
}

func TestApplyNeverWritesThroughASymlinkedTokenDirectoryOnAnExistingTree(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	tokenDir := filepath.Join(root, TokenDir)
	os.RemoveAll(tokenDir)
	os.Symlink(outside, tokenDir)
	if _, err := NewPlan(files); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v; want the symlinked token directory refused", err)
	}
	mustBeEmpty(t, outside)
}

// TestConcurrentFreshAppliesLeaveOneApplysStateWhole runs two applies of
// different deployments into a fresh tree, many times: the tree must hold
// one deployment's files entirely (never one's env file with the other's
// token include), and nothing replaced may be lost without a backup.
func TestConcurrentFreshAppliesLeaveOneApplysStateWhole(t *testing.T) {
	a := testDeployment()
	b := testDeployment()
	b.InjectionToken = "inj_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
	b.WebhookToken = "whk_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"
	for trial := range 12 {
		root := filepath.Join(t.TempDir(), "fresh") // not even the root exists
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, d := range []model.Deployment{a, b} {
			files := renderUnder(t, root, d)
			p, err := NewPlan(files)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				_, errs[i] = p.Apply(context.Background(), ApplyOptions{Now: fixedNow})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrBusy) {
				t.Fatalf("trial %d: %v", trial, err)
			}
		}
		env := string(readFile(t, filepath.Join(root, EnvFilePath)))
		tok := string(readFile(t, filepath.Join(root, TokenDir, a.Domain+".tokens")))
		switch {
		case strings.Contains(env, a.WebhookToken) && strings.Contains(tok, a.InjectionToken):
		case strings.Contains(env, b.WebhookToken) && strings.Contains(tok, b.InjectionToken):
		default:
			t.Fatalf("trial %d: the env file and the token include come from different applies (errors %v)", trial, errs)
		}
		if errs[0] == nil && errs[1] == nil {
			// Both ran, one after the other: the first's files were backed up.
			backups, _ := filepath.Glob(filepath.Join(root, EnvFilePath) + BackupInfix + "*")
			if len(backups) != 1 {
				t.Fatalf("trial %d: both applies succeeded but the env file has %d backups", trial, len(backups))
			}
		}
	}
}

func TestBackupsAreRootOwned0600WhateverTheOriginalOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test chowns files: run it as root")
	}
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	for _, f := range files {
		if err := os.Chown(f.Path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f.Path, 0o644)
		os.WriteFile(f.Path, append(readFile(t, f.Path), "# hand edit\n"...), 0)
	}
	_, r := planAndApply(t, files)
	if len(r.Backups()) != len(files) {
		t.Fatalf("backups %v; want one per file", r.Backups())
	}
	for _, b := range r.Backups() {
		fi, err := os.Lstat(b)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 0 || st.Gid != 0 || fi.Mode().Perm() != BackupMode {
			t.Errorf("%s: %04o %d:%d; want 0600 root:root", b, fi.Mode().Perm(), st.Uid, st.Gid)
		}
	}

	// A retired file kept as its backup is given to root too.
	d2 := testDeployment()
	d2.Domain = "mta2.example.com"
	l := Layout{Root: root}
	os.Chown(l.TokenFile("mta.example.com"), 65534, 65534)
	p, err := PlanFor(d2, l)
	if err != nil {
		t.Fatal(err)
	}
	r, err = p.Apply(context.Background(), ApplyOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Outcomes {
		if o.Change.Action != Retire {
			continue
		}
		fi, _ := os.Lstat(o.Backup)
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != 0 || st.Gid != 0 || fi.Mode().Perm() != BackupMode {
			t.Errorf("retired %s: %04o %d:%d; want 0600 root:root", o.Backup, fi.Mode().Perm(), st.Uid, st.Gid)
		}
	}
}

// tmpfs mounts a tmpfs of size bytes on a fresh directory, unmounted at
// cleanup.
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs (this test needs root): %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

func openFDs(t *testing.T) int {
	t.Helper()
	e, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(e)
}

// TestAFullDiskAtEveryFillLevelLeavesNoTempFile fills a 128 KiB tmpfs to
// every level (one page at a time) and writes a 64 KiB file: every write
// that fails leaves neither a temp file nor an open descriptor, and the
// target keeps its old content.
func TestAFullDiskAtEveryFillLevelLeavesNoTempFile(t *testing.T) {
	const page = 4096
	saved := writeChunk
	writeChunk = page
	t.Cleanup(func() { writeChunk = saved })
	dir := tmpfs(t, 128<<10)
	target := filepath.Join(dir, "target")
	content := bytes.Repeat([]byte("n"), 64<<10)
	failures := 0
	for fill := 0; fill <= 128<<10; fill += page {
		os.WriteFile(target, []byte("old"), 0o644)
		filler := filepath.Join(dir, "filler")
		f, _ := os.Create(filler)
		f.Write(make([]byte, fill)) // short write once the disk is full: that is the point
		f.Close()
		fds := openFDs(t)
		err := writeAtomic(writeSpec{path: target, content: content, mode: 0o644})
		if got := openFDs(t); got != fds {
			t.Fatalf("fill %d: %d descriptors open after the write, %d before", fill, got, fds)
		}
		left, _ := leftoverTemps(dir)
		if len(left) > 0 {
			t.Fatalf("fill %d: temp files left: %v (err %v)", fill, left, err)
		}
		got := readFile(t, target)
		switch {
		case err == nil && !bytes.Equal(got, content):
			t.Fatalf("fill %d: write succeeded but the target is not the new content", fill)
		case err != nil:
			failures++
			if string(got) != "old" {
				t.Fatalf("fill %d: failed write changed the target", fill)
			}
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %d: err = %v; want ENOSPC", fill, err)
			}
		}
		os.Remove(filler)
	}
	if failures == 0 {
		t.Fatal("the disk never filled: the test proves nothing")
	}
}

func TestPlanDiffMasksAHandEditedWebhookSecretHoweverSpelled(t *testing.T) {
	const old = "whk_EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"
	for name, line := range map[string]string{
		"export and a tab": "export\tPING8_WEBHOOK_TOKEN=" + old,
		"byte-order mark":  "\ufeffPING8_WEBHOOK_TOKEN=" + old,
		"lower case":       "ping8_webhook_token=" + old,
		"odd quoting":      `PING8_WEBHOOK_TOKEN="whk_EEEEEEEEEE"'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE'`,
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			files := renderUnder(t, root, testDeployment())
			planAndApply(t, files)
			os.WriteFile(files[0].Path, []byte(line+"\nKUMOPROXY_HOST=10.0.0.5\n"), 0o600)
			p, err := NewPlan(files)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			p.Render(&out)
			if strings.Contains(out.String(), "EEEEEEEEEE") || !strings.Contains(out.String(), "KUMOPROXY_HOST") {
				t.Fatalf("the plan shows the old secret (or no diff):\n%s", out.String())
			}
		})
	}
}
