package e2e

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// buildDir holds the kumoup binary built for this run.
var buildDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "kumoup-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		os.Exit(1)
	}
	// nginx workers and the ssh session may run as other users: let them in.
	_ = os.Chmod(dir, 0o755)
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
	buildOut  []byte
)

// kumoup builds cmd/kumoup once per test run and returns the binary's path.
// Tests that need it are end to end: they are skipped with -short.
func kumoup(t testing.TB) string {
	t.Helper()
	endToEnd(t)
	bin := filepath.Join(buildDir, "kumoup")
	buildOnce.Do(func() {
		declareSources(t)
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/kumoup")
		cmd.Dir = moduleRoot(t)
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build kumoup: %v\n%s", buildErr, buildOut)
	}
	return bin
}

// declareSources stats every file the binary is built from, so that go
// test's cache knows them: the binary is built by a go build subprocess,
// whose inputs the cache does not see, and a change to ui/ or cmd/ would
// otherwise replay a stale "ok".
func declareSources(t testing.TB) {
	root := moduleRoot(t)
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "docs"):
			return filepath.SkipDir
		case !d.IsDir() && !strings.HasSuffix(path, "_test.go"):
			_, _ = os.Stat(path)
		}
		return nil
	})
}

// moduleRoot is the repository's top directory (this file's parent).
func moduleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the e2e package's source directory")
	}
	return filepath.Dir(filepath.Dir(file))
}

// endToEnd skips t under -short.
func endToEnd(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
}

// need returns the path of program, failing t with the apt-get command that
// installs it when it is missing.
func need(t testing.TB, program, pkg string) string {
	t.Helper()
	endToEnd(t)
	if path, err := exec.LookPath(program); err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		path := filepath.Join(dir, program)
		if fi, err := os.Stat(path); err == nil && fi.Mode()&0o111 != 0 {
			return path
		}
	}
	t.Fatalf("%s is not installed: apt-get install -y %s", program, pkg)
	return ""
}
