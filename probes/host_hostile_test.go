package probes

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// boundedRun runs check id and fails the test when it takes more than 5s
// or allocates more than 32 MiB (a history linked to /dev/zero used to
// exhaust memory).
func boundedRun(t *testing.T, f *hostFixture, id string) Result {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f.target.Timeout = 2 * time.Second
	start := time.Now()
	r := hostRun(t, f.target, id)
	if strings.Contains(r.Detail, "no answer within") {
		t.Errorf("%s timed out: a read blocked", id)
	}
	runtime.ReadMemStats(&after)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%s took %v", id, d)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
		t.Errorf("%s allocated %d MiB", id, n>>20)
	}
	return r
}

func TestHostChecksReadHostileFilesWithinBounds(t *testing.T) {
	for _, kind := range []string{"fifo", "/dev/zero", "1 GiB sparse"} {
		for _, c := range []struct{ id, path string }{
			{"host.tokens.history", "/root/.bash_history"},
			{"host.envfile.values", "/etc/default/kumomta"},
			{"host.policy.wired", "/opt/kumomta/etc/policy/init.lua"},
		} {
			t.Run(kind+"/"+c.id, func(t *testing.T) {
				f := newHostFixture(t)
				p := f.path(c.path)
				os.Remove(p)
				os.MkdirAll(filepath.Dir(p), 0o755)
				switch kind {
				case "fifo":
					syscall.Mkfifo(p, 0o600)
				case "/dev/zero":
					os.Symlink("/dev/zero", p)
				default:
					fh, _ := os.Create(p)
					fh.Truncate(1 << 30)
					fh.Close()
				}
				r := boundedRun(t, f, c.id)
				if c.id != "host.tokens.history" && !strings.Contains(r.Detail, "cannot read") {
					t.Errorf("%s: %q; want the file refused", c.id, r.Detail)
				}
			})
		}
	}
}

func TestATokenAtTheEndOfAHugeHistoryIsFoundCountingFromTheEnd(t *testing.T) {
	f := newHostFixture(t)
	p := f.path("/root/.bash_history")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tail := "ls\ncurl -H 'Authorization: Bearer " + hostTestInjectionToken + "' https://x/\nexit\n"
	fh.Truncate(1 << 30)
	fh.WriteAt([]byte(tail), 1<<30)
	fh.Close()
	r := boundedRun(t, f, "host.tokens.history")
	wantResult(t, r, StatusFail, "the injection token in "+p+", line 2 counting from the end", "wc -l < "+p+") - 1 ))d")
	if strings.Contains(r.Remedy, hostTestInjectionToken) {
		t.Fatal("the remedy holds the token")
	}
}
