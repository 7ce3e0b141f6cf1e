package writer

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostile replaces path with a FIFO, a symlink to /dev/zero or a 1 GiB
// sparse file.
func hostile(t *testing.T, kind, path string) {
	t.Helper()
	os.Remove(path)
	os.MkdirAll(filepath.Dir(path), 0o755)
	var err error
	switch kind {
	case "fifo":
		err = syscall.Mkfifo(path, 0o600)
	case "/dev/zero":
		err = os.Symlink("/dev/zero", path)
	case "1 GiB sparse":
		var f *os.File
		if f, err = os.Create(path); err == nil {
			err = f.Truncate(1 << 30)
			f.Chmod(0o600) // private, so a token file gets as far as reading
			f.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

var hostileKinds = []string{"fifo", "/dev/zero", "1 GiB sparse"}

// quickly fails the test when f blocks (a FIFO used to hang forever) or
// allocates more than 16 MiB (a 1 GiB file used to be read whole).
func quickly(t *testing.T, f func() error) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
			t.Fatalf("allocated %d MiB", n>>20)
		}
		return err
	case <-time.After(3 * time.Second):
		t.Fatal("still reading after 3s")
		return nil
	}
}

func TestReadsOfHostileFilesAreRefusedQuickly(t *testing.T) {
	root := t.TempDir()
	files := renderUnder(t, root, testDeployment())
	planAndApply(t, files)
	l := Layout{Root: root}
	for _, kind := range hostileKinds {
		for name, c := range map[string]struct {
			path string
			read func() error
		}{
			"kumoup.yaml":   {l.AnswersFile(), func() error { _, err := Load(l); return err }},
			"env file":      {l.EnvFile(), func() error { _, err := Load(l); return err }},
			"token include": {l.TokenFile("mta.example.com"), func() error { _, err := Load(l); return err }},
			"answers file": {filepath.Join(root, "answers.yaml"), func() error {
				_, err := ReadAnswers(filepath.Join(root, "answers.yaml"))
				return err
			}},
			"token file": {filepath.Join(root, "tok"), func() error {
				_, err := ReadTokenFile("injection_token_file", filepath.Join(root, "tok"))
				return err
			}},
		} {
			t.Run(kind+"/"+name, func(t *testing.T) {
				hostile(t, kind, c.path)
				defer func() {
					os.Remove(c.path)
					for _, f := range files {
						if f.Path == c.path {
							os.WriteFile(c.path, f.Content, f.Mode)
						}
					}
				}()
				if err := quickly(t, c.read); err == nil {
					t.Fatal("read succeeded")
				}
			})
		}
	}
}

func TestATokenPastedWhereAPathBelongsIsNotEchoed(t *testing.T) {
	const tok = "q1Zr8mXyT0kP3vW9sLbN2cHdE5fGjA7uIoR4eY6tQwM"
	dir := t.TempDir()
	ans := filepath.Join(dir, "answers.yaml")
	os.WriteFile(ans, []byte("domain: mta.example.com\ninjection_token_file: "+tok+"\n"), 0o600)
	a, err := ReadAnswers(ans)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ResolveTokens(a, func(string) string { return "" }, Layout{Root: dir})
	if err == nil || strings.Contains(err.Error(), tok[:12]) || !strings.Contains(err.Error(), "<path not found>") || !strings.Contains(err.Error(), "injection_token_file") {
		t.Fatalf("err = %v; want the field named, the token not echoed", err)
	}
	_, err = ReadTokenFile("--token-file", tok)
	if err == nil || strings.Contains(err.Error(), tok[:12]) {
		t.Fatalf("--token-file: err = %v; want the token not echoed", err)
	}
}
