package acme

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestNginxRunningNeedsALiveProcess: the reload signals nginx only when its
// pid file names a live process; an empty file (what `nginx -t` leaves
// when nginx is stopped), a missing one or a dead pid start nginx instead.
func TestNginxRunningNeedsALiveProcess(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name string
		path string
		want bool
	}{
		{"live pid", write("live.pid", strconv.Itoa(os.Getpid())+"\n"), true},
		{"empty (after nginx -t)", write("empty.pid", ""), false},
		{"not a number", write("junk.pid", "nginx\n"), false},
		{"pid 1", write("init.pid", "1\n"), false},
		{"dead pid", write("dead.pid", "2147483646\n"), false},
		{"missing", filepath.Join(dir, "missing.pid"), false},
	} {
		if got := nginxRunning(t.Context(), c.path); got != c.want {
			t.Errorf("%s: nginxRunning = %v, want %v", c.name, got, c.want)
		}
	}
}
