package ui

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kumoup/kumoup/probes"
)

// typeOnceDrawn returns the program's input and output: keys are written to
// the input, as raw terminal bytes, once the program has drawn its first
// frame (it reads input from then on), not after a guessed delay.
func typeOnceDrawn(keys string) (io.Reader, io.Writer) {
	r, w := io.Pipe()
	out := &firstWrite{done: make(chan struct{})}
	go func() {
		<-out.done
		w.Write([]byte(keys))
	}()
	return r, out
}

func runWith(t *testing.T, opt Options, keys string) error {
	t.Helper()
	opt.Input, opt.Output = typeOnceDrawn(keys)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), opt) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after the keys")
	}
	return nil
}

func TestRunReturnsErrAbortedOnCtrlCInTheWizard(t *testing.T) {
	err := runWith(t, testOptions(t.TempDir()), "\x03")
	if err != ErrAborted {
		t.Fatalf("Run = %v, want ErrAborted", err)
	}
}

func TestRunQuittingADashboardIsNotAnAbort(t *testing.T) {
	for name, keys := range map[string]string{"q": "q", "ctrl+c": "\x03"} {
		t.Run(name, func(t *testing.T) {
			opt := testOptions(t.TempDir())
			d := testDeployment()
			opt.Prefill, opt.Start, opt.Checks = &d, StartDashboard, []probes.Check{}
			opt.Scrape.URL = "https://127.0.0.1:1/metrics"
			if err := runWith(t, opt, keys); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
		})
	}
}

func TestRunIsAbortedWhenItsContextIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	opt := testOptions(t.TempDir())
	r, _ := io.Pipe()
	out := &firstWrite{done: make(chan struct{})}
	opt.Input, opt.Output = r, out
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opt) }()
	<-out.done // the program runs: cancel it now
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("Run = %v, want ErrAborted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
