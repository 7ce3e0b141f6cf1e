package writer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes this test binary as a child that applies a
// plan of large files and is killed with SIGKILL, either by itself at the
// Nth step of a write (KUMOUP_CRASH_KILL_AT) or by the parent after a
// random delay.
const (
	crashChildEnv  = "KUMOUP_CRASH_CHILD_ROOT"
	crashKillAtEnv = "KUMOUP_CRASH_KILL_AT"
)

func TestMain(m *testing.M) {
	writeChunk = 64 << 10 // many steps per file
	if root := os.Getenv(crashChildEnv); root != "" {
		os.Exit(crashChild(root))
	}
	os.Exit(m.Run())
}

func crashChild(root string) int {
	if n, err := strconv.Atoi(os.Getenv(crashKillAtEnv)); err == nil {
		count := 0
		step = func(string) {
			count++
			if count == n {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	p, err := NewPlan(crashFiles(root, "new"))
	if err == nil {
		_, err = p.Apply(context.Background(), ApplyOptions{})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// crashFiles are five 512 KiB files (one a 0600 secret in a 0700 directory)
// whose every line names the version, so a torn file is never equal to
// either version. In the "old" version the last file does not exist yet.
func crashFiles(root, version string) []File {
	var files []File
	for i := range 5 {
		if version == "old" && i == 4 {
			continue
		}
		var b bytes.Buffer
		for line := 0; b.Len() < 512<<10; line++ {
			fmt.Fprintf(&b, "%s file %d line %07d ................................................\n", version, i, line)
		}
		f := File{Name: fmt.Sprintf("file %d", i), Path: filepath.Join(root, fmt.Sprintf("d%d/f%d", i%2, i)), Root: root, Mode: 0o644, Content: b.Bytes()}
		if i == 0 {
			f.Path = filepath.Join(root, "secret/f0")
			f.Mode, f.DirMode, f.Secrets = 0o600, 0o700, []string{version + " file 0"}
		}
		files = append(files, f)
	}
	return files
}

func TestKilledApplyLeavesEveryFileOldOrNewAndTheNextRunCleansUp(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Count the steps of a full apply to spread the self-kills over them.
	steps := countSteps(t)
	// And time a whole child run to spread the parent's kills over it.
	full := timeChild(t, exe)
	rng := rand.New(rand.NewPCG(1, 2))
	var runs []string
	for i := range 16 {
		runs = append(runs, "at:"+strconv.Itoa(1+i*(steps-1)/15))
	}
	for range 16 {
		runs = append(runs, "after:"+strconv.Itoa(rng.IntN(int(full/time.Microsecond)))) // microseconds
	}
	for _, run := range runs {
		t.Run(run, func(t *testing.T) {
			t.Parallel() // mostly waiting on fsync
			root := t.TempDir()
			writeOld(t, root)
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), crashChildEnv+"="+root)
			kind, arg, _ := strings.Cut(run, ":")
			n, _ := strconv.Atoi(arg)
			if kind == "at" {
				cmd.Env = append(cmd.Env, crashKillAtEnv+"="+arg)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if kind == "after" {
				time.Sleep(time.Duration(n) * time.Microsecond)
				cmd.Process.Kill()
			}
			state := cmd.Wait()
			checkOldOrNew(t, root)
			t.Logf("child: %v", state)

			_, r := planAndApply(t, crashFiles(root, "new"))
			for _, f := range crashFiles(root, "new") {
				if !bytes.Equal(readFile(t, f.Path), f.Content) {
					t.Errorf("%s: not the new content after the next run", f.Path)
				}
				mustMode(t, f.Path, f.Mode)
			}
			for _, dir := range []string{"secret", "d0", "d1"} {
				if left, _ := leftoverTemps(filepath.Join(root, dir)); len(left) != 0 {
					t.Errorf("temp files left after the next run: %v (report removed %v)", left, r.RemovedTemps)
				}
			}
		})
	}
}

// writeOld lays down the old version directly (no fsync: the test
// simulates a killed process, not a power loss).
func writeOld(t *testing.T, root string) {
	t.Helper()
	for _, f := range crashFiles(root, "old") {
		dir := filepath.Dir(f.Path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if f.DirMode != 0 {
			os.Chmod(dir, f.DirMode)
		}
		if err := os.WriteFile(f.Path, f.Content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
}

func timeChild(t *testing.T, exe string) time.Duration {
	t.Helper()
	root := t.TempDir()
	planAndApply(t, crashFiles(root, "old"))
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), crashChildEnv+"="+root)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child apply: %v\n%s", err, out)
	}
	return time.Since(start)
}

func countSteps(t *testing.T) int {
	t.Helper()
	root := t.TempDir()
	planAndApply(t, crashFiles(root, "old"))
	n := 0
	step = func(string) { n++ }
	defer func() { step = nil }()
	planAndApply(t, crashFiles(root, "new"))
	if n < 20 {
		t.Fatalf("only %d steps in a full apply", n)
	}
	return n
}

// checkOldOrNew asserts every target holds exactly its old or new content
// with its mode, every backup exactly the old content, and no temp file of
// the secret is looser than 0600.
func checkOldOrNew(t *testing.T, root string) {
	t.Helper()
	old := map[string][]byte{}
	for _, f := range crashFiles(root, "old") {
		old[f.Path] = f.Content
	}
	for _, f := range crashFiles(root, "new") {
		got, err := os.ReadFile(f.Path)
		switch {
		case os.IsNotExist(err) && old[f.Path] == nil:
		case err != nil:
			t.Errorf("%s: %v", f.Path, err)
		case !bytes.Equal(got, f.Content) && !bytes.Equal(got, old[f.Path]):
			t.Errorf("%s: torn: neither old nor new (%d bytes)", f.Path, len(got))
		default:
			mustMode(t, f.Path, f.Mode)
		}
		backups, _ := filepath.Glob(f.Path + BackupInfix + "*")
		for _, b := range backups {
			if !bytes.Equal(readFile(t, b), old[f.Path]) {
				t.Errorf("backup %s is not the complete old content", b)
			}
			mustMode(t, b, BackupMode) // every backup is 0600 root:root
		}
	}
	temps, _ := leftoverTemps(filepath.Join(root, "secret"))
	for _, tmp := range temps {
		mustMode(t, tmp, 0o600)
	}
	mustMode(t, filepath.Join(root, "secret"), 0o700)
}
