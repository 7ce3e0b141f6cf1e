package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/internal/expogen"
)

// Benchmarks, side by side in one run (see BENCHMARKS.md):
//
//	go test ./probes/metrics -run '^$' -bench . -benchmem -benchtime 3x -count 1 -timeout 30m
//
// Inputs are generated once per test binary, never committed.

var benchSizes = []struct {
	name string
	n    int
}{{"50k", 50_000}, {"500k", 500_000}, {"1M", 1_000_000}, {"2M", 2_000_000}}

var (
	inputsMu sync.Mutex
	inputs   = map[int][]byte{}
)

func benchInput(n int) []byte {
	inputsMu.Lock()
	defer inputsMu.Unlock()
	if inputs[n] == nil {
		inputs[n] = expogen.Generate(n, 1)
	}
	return inputs[n]
}

// heapObjects is the bytes of live and not yet swept heap objects, read
// without stopping the world.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap runs op once after a GC, sampling the heap every 200µs, and
// returns by how much the heap grew at its highest (garbage not yet
// collected included: what the process must have room for), in MiB.
func peakHeap(op func()) float64 {
	runtime.GC()
	base := heapObjects()
	peak := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if h := heapObjects(); h > peak {
				peak = h
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	op()
	close(stop)
	<-done
	if h := heapObjects(); h > peak {
		peak = h
	}
	return float64(peak-base) / (1 << 20)
}

// processCPU is the CPU time the process has used, every thread and the
// garbage collector included: unlike wall time it does not grow when other
// processes compete for the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per op since start, in ms.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// retained returns the heap that keep holds after a GC, in MiB: build makes
// it, starting from the heap measured before.
func retained(build func() any) float64 {
	runtime.GC()
	base := heapObjects()
	keep := build()
	runtime.GC()
	h := heapObjects()
	runtime.KeepAlive(keep)
	return float64(int64(h)-int64(base)) / (1 << 20)
}

// BenchmarkParse compares expfmt's TextToMetricFamilies with the fast path
// on the same exposition in memory: `fast` is Summarizer.Update (scan the
// watched families, update the store in place, build the Summary), `stream`
// is Summarizer.UpdateFrom, the refresh path, reading the same bytes
// through its 256 KiB window. Besides time and allocations, each reports
// peak-MiB (how far the heap rose during one parse, garbage included) and
// the fast paths state-MiB (what the Summarizer keeps between scrapes).
func BenchmarkParse(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("expfmt/"+size.name, func(b *testing.B) {
			body := benchInput(size.n)
			p := expfmt.NewTextParser(model.UTF8Validation)
			parse := func() {
				if _, err := p.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				parse()
			}
			b.StopTimer()
			reportCPU(b, cpu)
			b.ReportMetric(peakHeap(parse), "peak-MiB")
		})
		for _, mode := range []string{"fast", "stream"} {
			b.Run(mode+"/"+size.name, func(b *testing.B) {
				body := benchInput(size.n)
				var z *Summarizer
				at := time.Unix(1_700_000_000, 0)
				update := func() {
					at = at.Add(2 * time.Second)
					var err error
					if mode == "fast" {
						_, err = z.Update(at, body)
					} else {
						_, err = z.UpdateFrom(at, bytes.NewReader(body))
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				state := retained(func() any {
					z = NewSummarizer()
					for range 2 { // reach steady state: store and buffers grown
						update()
					}
					return z
				})
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				b.ResetTimer()
				cpu := processCPU()
				for range b.N {
					update()
				}
				b.StopTimer()
				reportCPU(b, cpu)
				b.ReportMetric(peakHeap(update), "peak-MiB")
				b.ReportMetric(state, "state-MiB")
			})
		}
	}
}

// BenchmarkCycle is one dashboard refresh, Scraper.Refresh: an HTTPS GET
// over loopback of the gzip-compressed exposition (as kumod serves it when
// asked), transparent decompression streamed through the Summarizer's
// window, the fast path and the Summary. The TLS server runs in this
// process: its encryption is counted too.
func BenchmarkCycle(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := benchInput(size.n)
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
			zw.Write(body)
			zw.Close()
			_, cfg := endpoint(b, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz.Bytes())
			})
			cfg.Interval, cfg.Timeout = 20*time.Second, 19*time.Second // measure, do not time out
			s, err := NewScraper(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			z := NewSummarizer()
			refresh := func() {
				if _, err := s.Refresh(context.Background(), z); err != nil {
					b.Fatal(err)
				}
			}
			for range 2 {
				refresh()
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				refresh()
			}
			b.StopTimer()
			reportCPU(b, cpu)
			b.ReportMetric(peakHeap(refresh), "peak-MiB")
		})
	}
}
