// Package childproc stops a child process that a test kit started, by its
// own handle (never a process found by name): a signal, a grace period,
// then SIGKILL.
package childproc

import (
	"errors"
	"os"
	"time"
)

// Stop sends sig to p and waits for exited (closed once p's Wait has
// returned); when grace passes first, it kills p and waits for exited
// again, and killed is true. signalErr is the signal's error, nil when p
// had already exited. Stop returns only once p has exited.
func Stop(p *os.Process, exited <-chan struct{}, sig os.Signal, grace time.Duration) (killed bool, signalErr error) {
	signalErr = p.Signal(sig)
	if errors.Is(signalErr, os.ErrProcessDone) {
		signalErr = nil
	}
	select {
	case <-exited:
		return false, signalErr
	case <-time.After(grace):
		_ = p.Kill()
		<-exited
		return true, signalErr
	}
}
