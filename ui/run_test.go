package ui

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kumoup/kumoup/probes"
)

// typeLater writes keys to the program's input after a moment, as raw
// terminal bytes.
func typeLater(keys string) io.Reader {
	r, w := io.Pipe()
	go func() {
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte(keys))
	}()
	return r
}

func runWith(t *testing.T, opt Options, keys string) error {
	t.Helper()
	opt.Input, opt.Output = typeLater(keys), io.Discard
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
			opt.Prefill, opt.Start, opt.Checks = &d, ScreenDashboard, []probes.Check{}
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
	opt.Input, opt.Output = r, io.Discard
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opt) }()
	time.Sleep(200 * time.Millisecond)
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
