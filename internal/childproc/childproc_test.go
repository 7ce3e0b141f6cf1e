package childproc

import (
	"bufio"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// start runs script and returns once it printed its first line.
func start(t *testing.T, script string) (*exec.Cmd, chan struct{}) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatalf("start sh: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if _, err := bufio.NewReader(r).ReadString('\n'); err != nil {
		t.Fatalf("the child printed nothing: %v", err)
	}
	return cmd, exited
}

func TestStopEndsAChildThatHeedsTheSignal(t *testing.T) {
	cmd, exited := start(t, "echo ready; exec sleep 30")
	killed, err := Stop(cmd.Process, exited, syscall.SIGTERM, 10*time.Second)
	if killed || err != nil {
		t.Fatalf("Stop = killed %v, %v; want a graceful stop", killed, err)
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("the child ended with %v, want SIGTERM", cmd.ProcessState)
	}
}

func TestStopKillsAChildThatIgnoresTheSignal(t *testing.T) {
	cmd, exited := start(t, "trap '' TERM; echo ready; while :; do sleep 0.05; done")
	killed, err := Stop(cmd.Process, exited, syscall.SIGTERM, 300*time.Millisecond)
	if !killed || err != nil {
		t.Fatalf("Stop = killed %v, %v; want killed after the grace period", killed, err)
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the child ended with %v, want SIGKILL", cmd.ProcessState)
	}
}

func TestStopOnAChildThatAlreadyExitedReturnsAtOnce(t *testing.T) {
	cmd, exited := start(t, "echo ready; exit 0")
	<-exited
	killed, err := Stop(cmd.Process, exited, syscall.SIGTERM, 10*time.Second)
	if killed || err != nil {
		t.Fatalf("Stop = killed %v, %v; want nothing to do", killed, err)
	}
}
