package probes

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startKumodStandIn runs a copy of sleep named kumod, so /proc/PID/comm is
// "kumod" like the real daemon's, and returns when it is running.
func startKumodStandIn(t *testing.T) (pid int, started time.Time) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("sleep not found: %v", err)
	}
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kumod")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	cmd := exec.Command(bin, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	for range 100 {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if strings.TrimSpace(string(comm)) == "kumod" {
			return cmd.Process.Pid, before
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the kumod stand-in did not start")
	return 0, before
}

func setMtime(t *testing.T, path string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
}

// The stand-in kumod processes of these subtests must not overlap: the
// check looks at the oldest kumod on the host.
func TestSystemdEnvFileAgainstTheRunningKumod(t *testing.T) {
	t.Run("restarted after the change passes", func(t *testing.T) {
		f := newHostFixture(t)
		hour := time.Now().Add(-time.Hour)
		setMtime(t, f.target.Layout.EnvFile(), hour)
		setMtime(t, f.target.Layout.SystemdDropIn(), hour)
		pid, _ := startKumodStandIn(t)
		r := hostRun(t, f.target, "host.systemd.envfile")
		wantResult(t, r, StatusPass, "kumoup.conf loads "+f.target.Layout.EnvFile()+"; kumomta started at", fmt.Sprintf("kumod pid %d", pid))
	})
	t.Run("env file changed after the start fails: restart needed", func(t *testing.T) {
		f := newHostFixture(t)
		setMtime(t, f.target.Layout.SystemdDropIn(), time.Now().Add(-time.Hour))
		_, started := startKumodStandIn(t)
		setMtime(t, f.target.Layout.EnvFile(), started.Add(3*time.Second))
		r := hostRun(t, f.target, "host.systemd.envfile")
		wantResult(t, r, StatusFail, "restart needed", f.target.Layout.EnvFile()+" changed at", "systemctl daemon-reload && systemctl restart kumomta")
	})
	t.Run("drop-in changed after the start fails", func(t *testing.T) {
		f := newHostFixture(t)
		setMtime(t, f.target.Layout.EnvFile(), time.Now().Add(-time.Hour))
		_, started := startKumodStandIn(t)
		setMtime(t, f.target.Layout.SystemdDropIn(), started.Add(3*time.Second))
		wantResult(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "restart needed", "kumoup.conf changed at")
	})
	t.Run("no kumod skips with the reason", func(t *testing.T) {
		f := newHostFixture(t)
		wantResult(t, hostRun(t, f.target, "host.systemd.envfile"), StatusSkip, "no kumod process")
	})
}

func TestSystemdDropInWithoutTheEnvFileFails(t *testing.T) {
	f := newHostFixture(t)
	// Under a tree the drop-in must name the tree's environment file: a
	// comment, another file and the wrong section do not count.
	env := f.target.Layout.EnvFile()
	hostWriteFile(t, f.target.Layout.SystemdDropIn(), "[Service]\n# EnvironmentFile="+env+"\nEnvironmentFile=-/etc/default/other\n[Unit]\nEnvironmentFile="+env+"\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "(kumoup.conf) has EnvironmentFile="+env, "EnvironmentFile="+env+"` under [Service]")

	os.Remove(f.target.Layout.SystemdDropIn())
	wantResult(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "no drop-in")
}

func TestEnvironmentFilesReadsOnlyTheServiceSection(t *testing.T) {
	got := environmentFiles([]byte("[Unit]\nEnvironmentFile=/a\n[Service]\n; comment\nEnvironmentFile=-/etc/default/kumomta /etc/x\n"))
	if !slices.Equal(got, []string{"/etc/default/kumomta", "/etc/x"}) {
		t.Errorf("environmentFiles = %v", got)
	}
}

func TestSystemdShowOutputIsRead(t *testing.T) {
	at, reload, err := parseSystemdShow([]byte("ActiveState=active\nActiveEnterTimestamp=@1795306922\nNeedDaemonReload=yes\n"))
	if err != nil || !at.Equal(time.Unix(1795306922, 0)) || !reload {
		t.Errorf("active unit = %v, %v, %v", at, reload, err)
	}
	if _, _, err := parseSystemdShow([]byte("ActiveState=inactive\nActiveEnterTimestamp=\nNeedDaemonReload=no\n")); err == nil || !strings.Contains(err.Error(), "kumomta is inactive") {
		t.Errorf("inactive unit error = %v", err)
	}
	at, _, err = parseSystemdShow([]byte("ActiveState=active\nActiveEnterTimestamp=Sun 2026-11-22 00:21:58 UTC\n"))
	if err != nil || !at.Equal(time.Date(2026, 11, 22, 0, 21, 58, 0, time.UTC)) {
		t.Errorf("UTC date timestamp = %v, %v", at, err)
	}
	if _, _, err := parseSystemdShow([]byte("ActiveState=active\nActiveEnterTimestamp=Sun 2026-11-22 01:21:58 CET\n")); err == nil {
		t.Error("a timestamp in a zone Go cannot place was accepted")
	}
}
