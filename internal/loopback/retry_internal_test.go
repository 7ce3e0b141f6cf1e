package loopback

import (
	"context"
	"net"
	"os"
	"testing"
)

// A port taken between choosing it and nginx binding it is retried with
// fresh ports instead of failing the site.
func TestStartRetriesWhenAChosenPortIsTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real nginx; skipped with -short")
	}
	if _, err := FindNginx(""); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPort = func() (int, error) {
		calls++
		if calls == 1 {
			return takenPort, nil
		}
		return freePort()
	}
	defer func() { pickPort = freePort }()
	s, err := Start(context.Background(), Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Stop()
	if calls != 4 || s.HTTPSPort == takenPort {
		t.Errorf("ports chosen %d times, HTTPS port %d (taken %d): want a second pair", calls, s.HTTPSPort, takenPort)
	}
}

func TestMakeTraversableOpensOnlyTempParents(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only matters as root (nginx workers then run as nobody)")
	}
	parent := t.TempDir() // 0700 under the temp dir
	if err := os.Chmod(parent, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := parent + "/site"
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := makeTraversable(dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o755, parent: 0o711} {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}
