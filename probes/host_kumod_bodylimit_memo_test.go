package probes

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKumodBodyLimitAsksOncePerKumodRun: the live verdict is remembered for
// the kumod process that gave it, so a second sweep sends kumod nothing
// (the dashboard refreshes every 30 s; each ask costs kumod two
// decompressions of max_body), and a restart of kumod asks again.
func TestKumodBodyLimitAsksOncePerKumodRun(t *testing.T) {
	f, k := kumodLimitFixture(t, 25<<20)
	pid, _ := startKumodStandIn(t)

	first := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, first, StatusPass, ": 400 (read whole, not JSON: nothing injected); with 26214401 bytes: 413")
	if strings.Contains(first.Detail, "has not restarted since") {
		t.Errorf("first sweep says it remembered: %s", first.Detail)
	}
	kumodSawNoTokenAndNoMail(t, k, 2)

	second := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, second, StatusPass, ": 400 (read whole, not JSON: nothing injected); with 26214401 bytes: 413", "kumod has not restarted since")
	kumodSawNoTokenAndNoMail(t, k, 2)

	// kumod restarts: the oldest kumod process is a new one.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil { // reaped, as systemd would: no zombie left in /proc
		t.Fatal(err)
	}
	time.Sleep(2 * kumodStartTolerance) // a start this far from the first is a restart even if the pid were reused
	startKumodStandIn(t)
	third := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, third, StatusPass, "with 26214401 bytes: 413")
	if strings.Contains(third.Detail, "has not restarted since") {
		t.Errorf("after kumod restarted the verdict was remembered: %s", third.Detail)
	}
	kumodSawNoTokenAndNoMail(t, k, 4)
}

// TestKumodBodyLimitRemembersAFailureToo: a wrong limit stays wrong until
// kumod restarts, and says so on every sweep.
func TestKumodBodyLimitRemembersAFailureToo(t *testing.T) {
	f, k := kumodLimitFixture(t, 2<<20)
	startKumodStandIn(t)
	for i := range 2 {
		r := hostRun(t, f.target, "host.kumod.body.limit")
		wantResult(t, r, StatusFail, "kumod refuses less than max_body", "request_body_limit = 26214400")
		if remembered := strings.Contains(r.Detail, "has not restarted since"); remembered != (i == 1) {
			t.Errorf("sweep %d: remembered %v: %s", i+1, remembered, r.Detail)
		}
	}
	kumodSawNoTokenAndNoMail(t, k, 1)
}
