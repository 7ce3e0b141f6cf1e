package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
)

// randomReads returns r's bytes in reads of 1 byte to 3 windows, so that
// lines are cut by the window at every kind of place.
type randomReads struct {
	b   []byte
	rnd *rand.Rand
}

func (r *randomReads) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := 1 + r.rnd.IntN(min(len(p), 3*streamWindow))
	if r.rnd.IntN(4) == 0 {
		n = 1 + r.rnd.IntN(200) // often short, as TLS records and gzip are
	}
	n = copy(p, r.b[:min(n, len(r.b))])
	r.b = r.b[n:]
	return n, nil
}

// sameUpdates feeds each body to one Summarizer with Update and to another
// with UpdateFrom through reader (then Update when it needs the whole
// body), and requires the same Summary or the same error every time.
func sameUpdates(t *testing.T, bodies [][]byte, reader func([]byte) io.Reader) {
	t.Helper()
	whole, streamed := NewSummarizer(), NewSummarizer()
	for i, b := range bodies {
		at := t0.Add(time.Duration(i) * 2 * time.Second)
		want, werr := whole.Update(at, b)
		got, gerr := streamed.UpdateFrom(at, reader(b))
		if errors.Is(gerr, ErrNeedsWholeBody) { // as Refresh and SummarizeFile do
			got, gerr = streamed.Update(at, b)
		}
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("scrape %d: Update says %v, UpdateFrom %v", i, werr, gerr)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("scrape %d: UpdateFrom's summary differs from Update's:\n%+v\n%+v", i, got, want)
		}
	}
}

func TestUpdateFromMatchesUpdateWhereverTheReadsCutTheLines(t *testing.T) {
	var hand [][]byte
	for _, sc := range scrapes { // a reset, pruning, a truncated scrape
		hand = append(hand, []byte(sc.body))
	}
	sim := expogen.NewSim(5)
	var simulated [][]byte
	for i := range 30 {
		simulated = append(simulated, sim.Next(t0.Add(time.Duration(i)*2*time.Second)))
	}
	big := [][]byte{expogen.Generate(20_000, 3), expogen.Generate(20_000, 4)} // 1.7 MiB each: many windows
	rnd := rand.New(rand.NewPCG(1, 2))
	for name, r := range map[string]func([]byte) io.Reader{
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"random":   func(b []byte) io.Reader { return &randomReads{b: b, rnd: rnd} },
		"data+EOF": func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
	} {
		t.Run(name, func(t *testing.T) {
			sameUpdates(t, hand, r)
			sameUpdates(t, [][]byte{fixture(t), fixture(t)}, r)
			if name != "one byte" {
				sameUpdates(t, simulated, r)
				sameUpdates(t, big, r)
			}
		})
	}
	t.Run("malformed at every kind of place", func(t *testing.T) {
		for _, b := range []string{
			"memory_usage 12 ms\n",
			"# TYPE memory_usage counter\n# TYPE memory_usage gauge\n",
			"memory_usage{a=\"x\n",
			"memory_usage 1\nmemory_usage{",
			"memory_usage 1\nunwatched_family{x=\"1\"} 2",
			"<html>\n",
			"\n\n  \t\nmemory_usage 1\n\n   ",
		} {
			sameUpdates(t, [][]byte{[]byte(b)}, func(b []byte) io.Reader { return &randomReads{b: b, rnd: rnd} })
		}
	})
}

func TestUpdateFromGrowsTheWindowForALongLineAndRefusesOnePastTheLimit(t *testing.T) {
	name := strings.Repeat("q", 3*streamWindow)
	body := "ready_count{service=\"smtp_client:" + name + "\"} 5\nmemory_usage 7\n"
	z := NewSummarizer()
	s, err := z.UpdateFrom(t0, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.TopQueues) != 1 || s.TopQueues[0].Queue != "smtp_client:"+name || s.Memory.Value != 7 {
		t.Fatalf("a line of 3 windows was not read whole: %d queues, memory %v", len(s.TopQueues), s.Memory.Value)
	}
	if cap(z.win) > streamWindow {
		t.Errorf("window kept at %d bytes after a long line, want it back to %d", cap(z.win), streamWindow)
	}
	huge := "memory_usage 1\nready_count{service=\"" + strings.Repeat("q", MaxLineLength) + "\"} 5\n"
	_, err = z.UpdateFrom(t0.Add(time.Second), strings.NewReader(huge))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, "longer than 16 MiB") {
		t.Fatalf("got %v, want a parse error: line 2 longer than 16 MiB", err)
	}
}

// An exposition with syntax only expfmt reads is read again, whole.
func TestStreamedReadsFallBackToTheReferenceParserWhole(t *testing.T) {
	body := []byte("memory_usage 5\n{\"memory_limit\"} 9\n")
	if _, err := NewSummarizer().UpdateFrom(t0, bytes.NewReader(body)); !errors.Is(err, ErrNeedsWholeBody) {
		t.Fatalf("UpdateFrom: got %v, want ErrNeedsWholeBody", err)
	}
	_, cfg := endpoint(t, kumod(t, body))
	sum, err := refresh(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Reference || sum.MemoryLimit.Value != 9 || sum.Memory.Value != 5 {
		t.Errorf("Refresh: reference %v, memory %v limit %v; want expfmt's parse, 5 and 9", sum.Reference, sum.Memory.Value, sum.MemoryLimit.Value)
	}
	p := filepath.Join(t.TempDir(), "saved.txt")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err = SummarizeFile(context.Background(), NewSummarizer(), t0, p, 0)
	if err != nil || !sum.Reference || sum.MemoryLimit.Value != 9 {
		t.Errorf("SummarizeFile: %v, reference %v, limit %v; want expfmt's parse", err, sum.Reference, sum.MemoryLimit.Value)
	}
}

// TestRefreshMemoryDoesNotGrowWithTheExposition: a refresh of a 17 MiB
// exposition (200k series, gzip) allocates a small fraction of it, the
// first one included: the body is streamed through the window, never held.
func TestRefreshMemoryDoesNotGrowWithTheExposition(t *testing.T) {
	body := expogen.Generate(200_000, 9)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(body)
	zw.Close()
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	})
	cfg.Interval, cfg.Timeout = 20*time.Second, 15*time.Second // a loaded CI machine
	s, err := NewScraper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	z := NewSummarizer()
	for i := range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := s.Refresh(context.Background(), z); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(len(body))/4 {
			t.Errorf("refresh %d of a %d MiB exposition allocated %.1f MiB", i+1, len(body)>>20, float64(grew)/(1<<20))
		}
	}
}

// Issue 17 item 10: a scrape refused for its size reads no further than the
// cap and allocates about the cap. Before, the body buffer doubled past
// the cap (283 MB RSS for a 64 MiB cap).
func TestScrapeRefusedForItsSizeCostsAboutTheCap(t *testing.T) {
	const limit = 8 << 20
	big := bytes.Repeat([]byte("memory_usage 1\n"), 4*limit/15)
	var sent int64
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		for off := 0; off < len(big); off += 64 << 10 {
			n, err := w.Write(big[off:min(off+64<<10, len(big))])
			sent += int64(n)
			if err != nil {
				return
			}
		}
	})
	cfg.MaxBody = limit
	s, err := NewScraper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 { // the second reuses the blocks
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := s.Scrape(context.Background())
		runtime.ReadMemStats(&after)
		wantKind(t, err, KindTooLarge)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > limit+3<<20 {
			t.Errorf("scrape %d refused at an 8 MiB cap allocated %.1f MiB", i+1, float64(grew)/(1<<20))
		}
	}
}

func TestSummarizeFileStreamsAndCapsTheFile(t *testing.T) {
	body := expogen.Generate(50_000, 2)
	p := filepath.Join(t.TempDir(), "saved.txt")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := NewSummarizer().Update(t0, body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SummarizeFile(context.Background(), NewSummarizer(), t0, p, 0)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("SummarizeFile: %v; summary differs from Update's", err)
	}
	if _, err := SummarizeFile(context.Background(), NewSummarizer(), t0, p, 1<<20); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Errorf("a %d MiB file under a 1 MiB cap: got %v, want it refused naming the cap", len(body)>>20, err)
	}
	if _, err := ReadFile(context.Background(), p, 1<<20); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Errorf("ReadFile under a 1 MiB cap: got %v, want it refused naming the cap", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := SummarizeFile(ctx, NewSummarizer(), t0, p, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{t.TempDir(), fifo} {
		done := make(chan error, 1)
		go func() {
			_, err := SummarizeFile(context.Background(), NewSummarizer(), t0, p, 0)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: got %v, want it refused as not a regular file", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: SummarizeFile blocks", p)
		}
	}
}

// kumoup decompresses gzip itself; an encoding it did not ask for is
// reported, not parsed as text.
func TestScrapeRefusesAnEncodingItDidNotAskFor(t *testing.T) {
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "br")
		io.WriteString(w, "memory_usage 1\n")
	})
	_, err := refresh(t, cfg)
	if se := wantKind(t, err, KindMalformed); !strings.Contains(se.Detail, `unsupported Content-Encoding "br"`) {
		t.Errorf("detail %q does not name the encoding", se.Detail)
	}
	_, err = scrape(t, cfg)
	wantKind(t, err, KindMalformed)
}

// The Summarizer's state between scrapes (counter store, providers, pools,
// top queues' histories) grows with the series it computes rates for, not
// with the queues: per-queue series are read and forgotten. Budget: 1 MiB
// for 700k series of 100k queues and 10 providers; 4 MiB at 500k series
// of KumoMTA's usual shape (BENCHMARKS.md has 1M and 2M).
func TestSummarizerStateStaysWithinBudget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   []byte
		budget float64 // MiB
	}{
		{"100k queues, 10 providers", expogen.GenerateShape(expogen.Shape{ReadyQueues: 100_000, ScheduledQueues: 10, Providers: 10, Sources: 16}, 1), 1},
		{"500k series", expogen.Generate(500_000, 1), 4},
	} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		z := NewSummarizer()
		at := t0
		for range 3 {
			at = at.Add(2 * time.Second)
			if _, err := z.UpdateFrom(at, bytes.NewReader(tc.body)); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(z)
		runtime.KeepAlive(tc.body)
		state := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
		t.Logf("%s (%d MiB): state %.2f MiB", tc.name, len(tc.body)>>20, state)
		if state > tc.budget {
			t.Errorf("%s: the Summarizer keeps %.2f MiB between scrapes, budget %.0f MiB", tc.name, state, tc.budget)
		}
	}
}

// Stretch gives a scrape the deadline of a longer interval: a scrape that
// timed out at the configured deadline completes once stretched.
func TestScrapeStretchLengthensTheDeadline(t *testing.T) {
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "memory_usage 1\n")
	})
	cfg.Interval, cfg.Timeout = 400*time.Millisecond, 300*time.Millisecond
	s, err := NewScraper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Refresh(context.Background(), NewSummarizer())
	if se := wantKind(t, err, KindTimeout); !strings.Contains(se.Detail, "300ms") {
		t.Errorf("detail %q does not give the 300ms deadline", se.Detail)
	}
	s.Stretch(8 * time.Second) // a 6 s deadline
	if _, err := s.Refresh(context.Background(), NewSummarizer()); err != nil {
		t.Fatalf("stretched: %v", err)
	}
	s.Stretch(cfg.Interval)
	_, err = s.Refresh(context.Background(), NewSummarizer())
	wantKind(t, err, KindTimeout)
}

// An endpoint that is not kumod may name millions of providers, pools or
// counter series: the Summarizer reads them and keeps at most its caps.
func TestSummarizerStateIsCappedWhateverTheExpositionNames(t *testing.T) {
	var b bytes.Buffer
	for i := range 400_000 {
		fmt.Fprintf(&b, "total_messages_delivered_by_provider{provider=\"provider-%d.example\"} %d\n", i, i)
	}
	for i := range 20_000 {
		fmt.Fprintf(&b, "thread_pool_size{pool=\"pool-%d\"} 4\nlog_hook_backlog_count{logger=\"hook-%d\"} 1\ndisk_free_percent{name=\"disk-%d\"} 50\n", i, i, i)
	}
	b.WriteString("total_messages_delivered{service=\"smtp_client\"} 10\n")
	body := b.Bytes()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	z := NewSummarizer()
	var s Summary
	for i := range 2 {
		var err error
		if s, err = z.UpdateFrom(t0.Add(time.Duration(i)*2*time.Second), bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(z)
	runtime.KeepAlive(body)
	state := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	t.Logf("%d MiB naming 400k providers and 20k pools, hooks and disks: state %.1f MiB", len(body)>>20, state)
	if len(z.providers) > maxProviders || len(z.pools) > maxNamed || len(z.hooks) > maxNamed || len(z.disks) > maxNamed || len(z.fast.m) > maxStoreSeries {
		t.Errorf("kept %d providers, %d pools, %d hooks, %d disks, %d counter series: past the caps", len(z.providers), len(z.pools), len(z.hooks), len(z.disks), len(z.fast.m))
	}
	if state > 40 {
		t.Errorf("the Summarizer keeps %.1f MiB, want under 40 MiB", state)
	}
	if len(s.ThreadPools) != maxNamed || len(s.TopProviders) != DefaultTopN {
		t.Errorf("listed %d pools and %d providers, want %d and %d", len(s.ThreadPools), len(s.TopProviders), maxNamed, DefaultTopN)
	}
	wantStat(t, "delivered/s of the rollup", s.Delivered, 0)
}

// A gzip body that goes bad after a good header is malformed too, through
// Refresh's streamed read as through Scrape's whole one.
func TestRefreshClassifiesACorruptGzipStreamAsMalformed(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(expogen.Generate(5_000, 1))
	zw.Close()
	bad := append([]byte(nil), gz.Bytes()...)
	for i := 40; i < len(bad)-8; i += 97 {
		bad[i] ^= 0xA5
	}
	_, cfg := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bad)
	})
	_, err := refresh(t, cfg)
	if se := wantKind(t, err, KindMalformed); !strings.Contains(se.Detail, "corrupt gzip body") {
		t.Errorf("detail %q, want a corrupt gzip body", se.Detail)
	}
	_, err = scrape(t, cfg)
	wantKind(t, err, KindMalformed)
}

// FuzzUpdateFromMatchesUpdate: reading an exposition streamed, in reads of
// any sizes, gives the Summary (or the error) of reading it whole, on the
// first scrape and on a second one that computes rates.
func FuzzUpdateFromMatchesUpdate(f *testing.F) {
	for _, tc := range edgeCases {
		f.Add([]byte(tc.in), uint64(1))
	}
	f.Add(fixture(f), uint64(2))
	f.Add(expogen.NewSim(1).Next(t0), uint64(3))
	f.Add(expogen.Generate(300, 1), uint64(4))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		rnd := rand.New(rand.NewPCG(seed, seed))
		sameUpdates(t, [][]byte{b, b}, func(b []byte) io.Reader { return &randomReads{b: b, rnd: rnd} })
	})
}
