package probes

import (
	"sync"
	"time"
)

// kumod builds its HTTP listener once, when it starts: its body limit
// cannot change until kumod restarts. Asking it costs kumod a decompression
// of max_body twice (50 MiB at 25m), too much for every dashboard refresh,
// so host.kumod.body.limit remembers each live verdict (pass or fail, never
// a probe that gave none) for the kumod that gave it: the same listener
// address and max_body, and the same start (systemd's ActiveEnterTimestamp,
// or the oldest kumod process's start time). A restart, another address or
// another max_body asks again; so does any kumod whose start is unknown.

// kumodVerdictKey names one kumod asked about one limit: its listener,
// the limit, and how its start is known (systemd, or "kumod pid N").
type kumodVerdictKey struct {
	addr   string
	limit  int64
	source string
}

// kumodStartTolerance is how far two readings of one start may differ: a
// process's start is computed from /proc/uptime (centiseconds) and the
// clock, so it moves by milliseconds between sweeps; a restart moves it by
// far more (and changes the pid).
const kumodStartTolerance = 50 * time.Millisecond

// kumodVerdictMemoSize bounds the memo: it is emptied when full (a
// dashboard watches one kumod; tests start many).
const kumodVerdictMemoSize = 32

// kumodVerdicts is the memo, shared by every Target of the process.
var kumodVerdicts = struct {
	sync.Mutex
	m map[kumodVerdictKey]kumodVerdict
}{m: map[kumodVerdictKey]kumodVerdict{}}

// kumodVerdict is a remembered live verdict, the start of the kumod that
// gave it, and when it was asked.
type kumodVerdict struct {
	result  Result
	started time.Time
	asked   time.Time
}

// recallKumodVerdict returns the verdict remembered for key from the kumod
// that started at started.
func recallKumodVerdict(key kumodVerdictKey, started time.Time) (kumodVerdict, bool) {
	kumodVerdicts.Lock()
	defer kumodVerdicts.Unlock()
	v, ok := kumodVerdicts.m[key]
	if !ok || v.started.Sub(started).Abs() > kumodStartTolerance {
		return kumodVerdict{}, false
	}
	return v, true
}

// rememberKumodVerdict keeps r (a live pass or fail) for key and the kumod
// that started at started.
func rememberKumodVerdict(key kumodVerdictKey, started time.Time, r Result, asked time.Time) {
	kumodVerdicts.Lock()
	defer kumodVerdicts.Unlock()
	if len(kumodVerdicts.m) >= kumodVerdictMemoSize {
		clear(kumodVerdicts.m)
	}
	kumodVerdicts.m[key] = kumodVerdict{result: r, started: started, asked: asked}
}
