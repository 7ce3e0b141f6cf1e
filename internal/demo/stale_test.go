package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// killedOwner starts a process, records it as the owner of dir and kills
// it with SIGKILL, as an operator's kill -9 of the demo would.
func killedOwner(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	owner := strconv.Itoa(pid) + " " + processStart(pid) + "\n"
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(filepath.Join(dir, hostDir, "nginx"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRemoveStaleRemovesOnlyTheDirectoriesOfKilledDemos(t *testing.T) {
	parent := t.TempDir()
	killed := mkdir(t, parent, dirPrefix+"killed")
	killedOwner(t, killed)

	alive := mkdir(t, parent, dirPrefix+"alive")
	if err := writeOwner(alive); err != nil {
		t.Fatal(err)
	}
	reused := mkdir(t, parent, dirPrefix+"reused") // our pid, another start time: a reused pid
	if err := os.WriteFile(filepath.Join(reused, ownerFile), []byte(strconv.Itoa(os.Getpid())+" 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noOwner := mkdir(t, parent, dirPrefix+"starting")
	nginx := mkdir(t, parent, dirPrefix+"nginx-lives")
	killedOwner(t, nginx)
	if err := os.WriteFile(filepath.Join(nginx, hostDir, "nginx", "nginx.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := mkdir(t, t.TempDir(), "target")
	killedOwner(t, elsewhere)
	link := filepath.Join(parent, dirPrefix+"link")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	other := mkdir(t, parent, "not-a-demo")
	killedOwner(t, other)

	removed, err := RemoveStale(parent)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{killed, reused}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, d := range []string{killed, reused} {
		if _, err := os.Lstat(d); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", d, err)
		}
	}
	for _, d := range []string{alive, noOwner, nginx, link, elsewhere, other} {
		if _, err := os.Lstat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}

func TestStartRemovesTheDirectoryAKilledDemoLeft(t *testing.T) {
	parent := t.TempDir()
	killed := mkdir(t, parent, dirPrefix+"killed")
	killedOwner(t, killed)
	env, err := Start(t.Context(), Config{Dir: parent, NoNginx: true})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if _, err := os.Lstat(killed); !os.IsNotExist(err) {
		t.Fatalf("the killed demo's directory is still there: %v", err)
	}
	if !slices.Contains(env.Notes, "removed "+killed+", left by a demo that was killed") {
		t.Errorf("the demo does not say it removed it: %q", env.Notes)
	}
	if ownerGone(env.Dir) {
		t.Error("the new demo's directory does not name this process as its owner")
	}
}
