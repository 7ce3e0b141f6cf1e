package writer

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testServiceHost is a host whose systemd directory and nginx pid file are
// in a temporary directory: systemd runs when the directory is made, nginx
// when the pid file names a live process.
func testServiceHost(t *testing.T) (ServiceHost, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	h := ServiceHost{SystemdDir: filepath.Join(dir, "run", "systemd", "system"), NginxPidFile: filepath.Join(dir, "nginx.pid")}
	write := func(content string) string {
		if err := os.WriteFile(h.NginxPidFile, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return h.NginxPidFile
	}
	return h, write
}

// TestNginxRunningNeedsALiveProcess: the reload signals nginx only when its
// pid file names a live process; an empty file (what `nginx -t` leaves
// when nginx is stopped), a missing one or a dead pid start nginx instead.
func TestNginxRunningNeedsALiveProcess(t *testing.T) {
	for _, c := range []struct {
		name    string
		content string // "" with missing: no file
		missing bool
		want    bool
	}{
		{"live pid", strconv.Itoa(os.Getpid()) + "\n", false, true},
		{"empty (after nginx -t)", "", false, false},
		{"not a number", "nginx\n", false, false},
		{"pid 1", "1\n", false, false},
		{"dead pid", "2147483646\n", false, false},
		{"missing", "", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, write := testServiceHost(t)
			if !c.missing {
				write(c.content)
			}
			if got := h.NginxRunning(t.Context()); got != c.want {
				t.Errorf("NginxRunning = %v, want %v", got, c.want)
			}
		})
	}
}

// TestNginxReloadFollowsHowTheHostRunsNginx: systemd when it runs (even
// with nginx stopped: reload-or-restart starts it), else a signal to the
// live master, else nginx started; the empty pid file `nginx -t` leaves
// counts as stopped.
func TestNginxReloadFollowsHowTheHostRunsNginx(t *testing.T) {
	live := strconv.Itoa(os.Getpid()) + "\n"
	for _, c := range []struct {
		name    string
		systemd bool
		pid     string // "-" for no pid file
		want    string
	}{
		{"systemd", true, "-", "systemctl reload-or-restart nginx"},
		{"systemd, nginx running", true, live, "systemctl reload-or-restart nginx"},
		{"no systemd, nginx running", false, live, "nginx -s reload"},
		{"no systemd, nginx stopped", false, "-", "nginx"},
		{"no systemd, the empty pid file of nginx -t", false, "", "nginx"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, write := testServiceHost(t)
			if c.systemd {
				if err := os.MkdirAll(h.SystemdDir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if c.pid != "-" {
				write(c.pid)
			}
			if h.Systemd() != c.systemd {
				t.Fatalf("Systemd() = %v with SystemdDir %s", h.Systemd(), h.SystemdDir)
			}
			if got := strings.Join(h.NginxReload(t.Context()), " "); got != c.want {
				t.Errorf("NginxReload = %q, want %q", got, c.want)
			}
		})
	}
}

// TestSystemdNeedsADirectory: a file where systemd keeps its directory is
// not systemd.
func TestSystemdNeedsADirectory(t *testing.T) {
	h, _ := testServiceHost(t)
	if err := os.MkdirAll(filepath.Dir(h.SystemdDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.SystemdDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if h.Systemd() || slices.Contains(h.NginxReload(t.Context()), "systemctl") {
		t.Errorf("a regular file at %s was taken for systemd", h.SystemdDir)
	}
}
