package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Without a terminal (cron, `ssh host kumoup` without -t, CI), the
// interactive commands exit 2 and point to the non-interactive ones.
func TestInteractiveCommandsWithoutATerminalExit2AndPointToApplyAndStatus(t *testing.T) {
	bin := kumoup(t)
	for _, args := range [][]string{{}, {"setup"}, {"demo"}} {
		t.Run(strings.Join(append([]string{"kumoup"}, args...), " "), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, args...)
			var out bytes.Buffer
			cmd.Stdin = strings.NewReader("")
			cmd.Stdout, cmd.Stderr = &out, &out
			// A new session: no controlling terminal to fall back on.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			cmd.Dir = t.TempDir()
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running after 20s without a terminal:\n%s", out.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Errorf("exit: %v, want status 2\n%s", err, out.String())
			}
			for _, want := range []string{"kumoup apply --answers", "kumoup status"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the message does not point to %q:\n%s", want, out.String())
				}
			}
		})
	}
}
