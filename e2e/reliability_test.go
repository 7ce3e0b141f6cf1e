package e2e

// The reliability suite of issue 17: the built kumoup binary against
// hostile files (a FIFO, a symlink to /dev/zero, a 1 GiB sparse file, a
// symlinked directory at each level) for each command that reads them,
// under a memory ceiling (prlimit's address-space limit, and the child's
// peak RSS from its rusage) and a time ceiling; concurrent fresh applies;
// a full disk at every fill level; and signals.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	relAnswers = "domain: mta.example.com\nwebhook_url: https://app.example.com/kumo/events\nproxy_host: 10.0.0.5\nproxy_public_ip: 8.8.4.4\nhelo: mail.example.com\n"
	// relMaxRSS is the peak resident memory allowed to a command refusing a
	// hostile file (it used to read a gibibyte or more).
	relMaxRSS = 150 << 20
	// relMaxTime is how long such a command may take (a FIFO used to block
	// it forever).
	relMaxTime = 5 * time.Second
)

// relResult is one run of the binary.
type relResult struct {
	code    int
	out     string
	maxRSS  int64 // bytes
	elapsed time.Duration
}

// relRun runs kumoup with args under an address-space limit of 4 GiB
// (a runaway read ends there instead of in the machine's OOM killer),
// killing it after 20 s.
func relRun(t *testing.T, env []string, args ...string) relResult {
	t.Helper()
	bin := kumoup(t)
	prlimit := need(t, "prlimit", "util-linux")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prlimit, append([]string{"--as=4294967296", "--", bin}, args...)...)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "NO_COLOR=1"}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := relResult{out: out.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("kumoup %s: still running after 20 s (killed)", strings.Join(args, " "))
	}
	if cmd.ProcessState == nil {
		t.Fatalf("kumoup %s: %v", strings.Join(args, " "), err)
	}
	r.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss << 10
	}
	return r
}

// bounded fails t when r crashed, took too long or used too much memory.
func (r relResult) bounded(t *testing.T, what string) {
	t.Helper()
	switch {
	case r.code < 0 || strings.Contains(r.out, "fatal error") || strings.Contains(r.out, "out of memory"):
		t.Errorf("%s: crashed (exit %d):\n%s", what, r.code, r.out)
	case r.elapsed > relMaxTime:
		t.Errorf("%s: took %v (ceiling %v)", what, r.elapsed, relMaxTime)
	case r.maxRSS > relMaxRSS:
		t.Errorf("%s: peak RSS %d MiB (ceiling %d MiB)", what, r.maxRSS>>20, relMaxRSS>>20)
	}
}

// relTree applies relAnswers under a fresh root and returns it.
func relTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	ans := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(ans, []byte(relAnswers), 0o600)
	if r := relRun(t, nil, "apply", "--answers", ans, "--root", root); r.code != 0 {
		t.Fatalf("apply: exit %d\n%s", r.code, r.out)
	}
	return root
}

// makeHostile replaces path with a hostile file of kind.
func makeHostile(t *testing.T, kind, path string) {
	t.Helper()
	os.RemoveAll(path)
	os.MkdirAll(filepath.Dir(path), 0o755)
	var err error
	switch kind {
	case "fifo":
		err = syscall.Mkfifo(path, 0o600)
	case "dev-zero":
		err = os.Symlink("/dev/zero", path)
	case "sparse-1GiB":
		var f *os.File
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			err = f.Truncate(1 << 30)
			f.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestReliabilityHostileFilesForEveryCommandThatReadsThem(t *testing.T) {
	t.Parallel()
	const domain = "mta.example.com"
	type target struct {
		name string
		// path of the file made hostile, under root and dir (a scratch
		// directory outside the tree)
		path func(root, dir string) string
		// runs are the commands that read it
		runs [][]string
	}
	statusHost := []string{"status", "--root", "{root}", "--only", "host.tokens,host.envfile,host.tokenfile,host.policy", "--timeout", "3s"}
	metricsRoot := []string{"metrics", "--root", "{root}", "--interval", "100ms", "--timeout", "1s"}
	targets := []target{
		{"answers file", func(_, d string) string { return filepath.Join(d, "answers.yaml") },
			[][]string{{"apply", "--answers", "{file}", "--root", "{root}"}}},
		{"injection_token_file", func(_, d string) string { return filepath.Join(d, "injection.token") },
			[][]string{{"apply", "--answers", "{answers-with-token-file}", "--root", "{root}"}}},
		{"--token-file", func(_, d string) string { return filepath.Join(d, "token") },
			[][]string{
				{"status", "--root", "{root}", "--token-file", "{file}", "--only", "host.tokens.distinct"},
				{"metrics", "--root", "{root}", "--token-file", "{file}", "--url", "https://127.0.0.1:9/metrics", "--timeout", "1s"},
			}},
		{"--ca-file", func(_, d string) string { return filepath.Join(d, "ca.pem") },
			[][]string{
				{"status", "--root", "{root}", "--ca-file", "{file}", "--only", "host.tokens.distinct"},
				{"metrics", "--root", "{root}", "--ca-file", "{file}", "--timeout", "1s"},
			}},
		{"metrics --file", func(_, d string) string { return filepath.Join(d, "saved.txt") },
			[][]string{{"metrics", "--file", "{file}"}, {"metrics", "--file", "{file}", "--dump"}}},
		{"kumoup.yaml", func(r, _ string) string { return filepath.Join(r, "etc/kumoup/kumoup.yaml") },
			[][]string{{"apply", "--answers", "{answers}", "--root", "{root}"}, statusHost, metricsRoot}},
		{"environment file", func(r, _ string) string { return filepath.Join(r, "etc/default/kumomta") },
			[][]string{{"apply", "--answers", "{answers}", "--root", "{root}"}, statusHost, metricsRoot}},
		{"token include", func(r, _ string) string { return filepath.Join(r, "etc/nginx/kumoup", domain+".tokens") },
			[][]string{{"apply", "--answers", "{answers}", "--root", "{root}"}, statusHost, metricsRoot}},
		{"shell history", func(r, _ string) string { return filepath.Join(r, "root/.bash_history") },
			[][]string{statusHost}},
		{"policy init.lua", func(r, _ string) string { return filepath.Join(r, "opt/kumomta/etc/policy/init.lua") },
			[][]string{statusHost}},
	}
	for _, kind := range []string{"fifo", "dev-zero", "sparse-1GiB"} {
		for _, tg := range targets {
			t.Run(kind+"/"+tg.name, func(t *testing.T) {
				root, dir := relTree(t), t.TempDir()
				answers := filepath.Join(dir, "good.yaml")
				os.WriteFile(answers, []byte(relAnswers), 0o600)
				withTokenFile := filepath.Join(dir, "with-token-file.yaml")
				file := tg.path(root, dir)
				os.WriteFile(withTokenFile, []byte(relAnswers+"injection_token_file: "+file+"\n"), 0o600)
				makeHostile(t, kind, file)
				for _, run := range tg.runs {
					args := make([]string, len(run))
					for i, a := range run {
						args[i] = strings.NewReplacer("{root}", root, "{file}", file, "{answers}", answers,
							"{answers-with-token-file}", withTokenFile).Replace(a)
					}
					r := relRun(t, nil, args...)
					r.bounded(t, strings.Join(run, " "))
					t.Logf("%s: exit %d in %v, peak RSS %d MiB", run[0], r.code, r.elapsed.Round(time.Millisecond), r.maxRSS>>20)
				}
			})
		}
	}
}

// relDirLevels lists the directories kumoup writes under root, shallowest
// first.
func relDirLevels(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestReliabilitySymlinkedDirectoryAtEachLevel(t *testing.T) {
	t.Parallel()
	probe := relTree(t)
	// The levels status and metrics read through (kumoup.yaml, the env
	// file, the token include) must be refused by them too.
	readPath := map[string]bool{"etc": true, "etc/kumoup": true, "etc/default": true, "etc/nginx": true, "etc/nginx/kumoup": true}
	for _, level := range relDirLevels(t, probe) {
		t.Run(level, func(t *testing.T) {
			root := relTree(t)
			// The link points at a copy of the directory, so everything
			// kumoup expects is there, only outside the tree.
			outside := filepath.Join(t.TempDir(), "outside")
			if out, err := exec.Command("cp", "-a", filepath.Join(root, level), outside).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
			os.RemoveAll(filepath.Join(root, level))
			os.Symlink(outside, filepath.Join(root, level))
			before := relSnapshot(t, outside)
			answers := filepath.Join(t.TempDir(), "a.yaml")
			// New answers, so apply has something to write.
			os.WriteFile(answers, []byte(strings.Replace(relAnswers, "helo: mail.example.com", "helo: mail2.example.com", 1)), 0o600)
			runs := [][]string{{"apply", "--answers", answers, "--root", root}}
			if readPath[level] {
				runs = append(runs, []string{"status", "--root", root, "--only", "host.tokens.distinct"},
					[]string{"metrics", "--root", root, "--timeout", "1s"})
			}
			for _, args := range runs {
				r := relRun(t, nil, args...)
				r.bounded(t, args[0])
				flat := strings.Join(strings.Fields(r.out), " ") // fang wraps long errors
				// status reports on a half-read deployment: the refusal is
				// a warning there, not an exit code.
				if (r.code == 0 && args[0] != "status") || !strings.Contains(flat, "is a symbolic link") {
					t.Errorf("%s with %s a symlink: exit %d, want the link refused:\n%s", args[0], level, r.code, r.out)
				}
			}
			if after := relSnapshot(t, outside); after != before {
				t.Errorf("the directory outside the tree changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// relSnapshot describes every file under dir: path, mode, owner, size.
func relSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if fi, err := os.Lstat(p); err == nil {
			st := fi.Sys().(*syscall.Stat_t)
			fmt.Fprintf(&b, "%s %v %d:%d %d; ", strings.TrimPrefix(p, dir), fi.Mode(), st.Uid, st.Gid, fi.Size())
		}
		return nil
	})
	return b.String()
}

func TestReliabilityConcurrentFreshAppliesLeaveOneApplysStateWhole(t *testing.T) {
	t.Parallel()
	ans := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(ans, []byte(relAnswers), 0o600)
	tokens := [][2]string{
		{"inj_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "whk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"},
		{"inj_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "whk_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"},
		{"inj_EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", "whk_FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
	}
	for trial := range 8 {
		root := filepath.Join(t.TempDir(), "fresh")
		var wg sync.WaitGroup
		results := make([]relResult, len(tokens))
		for i, tok := range tokens {
			wg.Go(func() {
				results[i] = relRun(t, []string{"KUMOUP_INJECTION_TOKEN=" + tok[0], "KUMOUP_WEBHOOK_TOKEN=" + tok[1]}, "apply", "--answers", ans, "--root", root)
			})
		}
		wg.Wait()
		for _, r := range results {
			if r.code != 0 && !strings.Contains(strings.Join(strings.Fields(r.out), " "), "another kumoup apply is running") {
				t.Fatalf("trial %d: exit %d:\n%s", trial, r.code, r.out)
			}
		}
		env, _ := os.ReadFile(filepath.Join(root, "etc/default/kumomta"))
		inc, _ := os.ReadFile(filepath.Join(root, "etc/nginx/kumoup/mta.example.com.tokens"))
		whole := false
		for _, tok := range tokens {
			if bytes.Contains(inc, []byte(tok[0])) && bytes.Contains(env, []byte(tok[1])) {
				whole = true
			}
		}
		if !whole {
			t.Fatalf("trial %d: the env file and the token include come from different applies", trial)
		}
	}
}

func TestReliabilityFullDiskAtEveryFillLevelLeavesNoTempFile(t *testing.T) {
	t.Parallel()
	mnt := t.TempDir()
	const size = 256 << 10
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs (this test runs as root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	ans := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(ans, []byte(relAnswers), 0o600)
	failed := 0
	for fill := 0; fill <= size; fill += 8 << 10 {
		root := filepath.Join(mnt, "tree")
		os.RemoveAll(root)
		filler := filepath.Join(mnt, "filler")
		f, _ := os.Create(filler)
		f.Write(make([]byte, fill)) // stops where the disk is full
		f.Close()
		r := relRun(t, nil, "apply", "--answers", ans, "--root", root)
		if r.code != 0 {
			failed++
		}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.Contains(d.Name(), ".kumoup-tmp-") {
				t.Errorf("fill %d KiB: temp file left: %s (exit %d)", fill>>10, p, r.code)
			}
			return nil
		})
		os.Remove(filler)
	}
	if failed == 0 {
		t.Fatal("no apply ran out of space: the test proves nothing")
	}
}

// TestReliabilityInterruptsExit130 interrupts kumoup status while its DNS
// checks wait on a resolver that never answers: SIGINT and SIGTERM both end
// it promptly with exit 130.
func TestReliabilityInterruptsExit130(t *testing.T) {
	t.Parallel()
	root := relTree(t)
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(kumoup(t), "status", "--root", root, "--only", "dns", "--resolver", silent.LocalAddr().String(), "--timeout", "30s")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(700 * time.Millisecond)
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit %d after %v, want 130:\n%s", code, sig, out.String())
			}
		})
	}
}

// TestReliabilityInterruptedApplyExits130 interrupts kumoup apply midway,
// deterministically: its stdout is a pipe filled to the brim, so apply
// blocks writing its plan; the signal arrives, then the pipe is drained.
// Apply must stop before writing any file and exit 130 (it used to exit 1,
// "context canceled").
func TestReliabilityInterruptedApplyExits130(t *testing.T) {
	t.Parallel()
	ans := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(ans, []byte(relAnswers), 0o600)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			fillPipe(t, w)
			cmd := exec.Command(kumoup(t), "apply", "--answers", ans, "--root", root)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			time.Sleep(500 * time.Millisecond) // blocked writing "Plan for ..."
			cmd.Process.Signal(sig)
			time.Sleep(100 * time.Millisecond)
			var stdout bytes.Buffer
			go stdout.ReadFrom(r)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit %d after %v, want 130:\n%s", code, sig, stderr.String())
			}
			if _, err := os.Stat(filepath.Join(root, "etc/default/kumomta")); err == nil {
				t.Fatal("the interrupted apply wrote the environment file")
			}
		})
	}
}

// fillPipe writes into w until the pipe is full, leaving w blocking.
func fillPipe(t *testing.T, w *os.File) {
	t.Helper()
	fd := int(w.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := syscall.Write(fd, chunk); err != nil {
			break // EAGAIN: full
		}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
}
