package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/internal/expogen"
)

// Benchmarks, side by side in one run (see BENCHMARKS.md):
//
//	go test ./probes/metrics -run '^$' -bench . -benchmem -benchtime 5x -count 1
//
// Inputs are generated once per test binary, never committed.

var (
	inputsOnce sync.Once
	inputs     map[string][]byte
)

func benchInput(size string) []byte {
	inputsOnce.Do(func() {
		inputs = map[string][]byte{
			"50k":  expogen.Generate(50_000, 1),
			"500k": expogen.Generate(500_000, 1),
		}
	})
	return inputs[size]
}

// BenchmarkParse compares expfmt's TextToMetricFamilies with the fast path
// (Summarizer.Update: scan the watched families, update the store in place
// and build the Summary) on the same exposition.
func BenchmarkParse(b *testing.B) {
	for _, size := range []string{"50k", "500k"} {
		b.Run("expfmt/"+size, func(b *testing.B) {
			body := benchInput(size)
			p := expfmt.NewTextParser(model.UTF8Validation)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := p.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("fast/"+size, func(b *testing.B) {
			body := benchInput(size)
			z := NewSummarizer()
			at := time.Unix(1_700_000_000, 0)
			for range 2 { // reach steady state: store and buffers grown
				at = at.Add(2 * time.Second)
				if _, err := z.Update(at, body); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				at = at.Add(2 * time.Second)
				if _, err := z.Update(at, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCycle is one dashboard refresh at 500k series: an HTTPS GET over
// loopback of the gzip-compressed exposition (as kumod serves it when asked),
// decompression into the reused buffer, the fast path and the Summary.
func BenchmarkCycle(b *testing.B) {
	body := benchInput("500k")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(body)
	zw.Close()
	_, cfg := endpoint(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	})
	cfg.Timeout = 1900 * time.Millisecond
	s, err := NewScraper(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	z := NewSummarizer()
	for range 2 {
		if _, err := s.Refresh(context.Background(), z); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("500k", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for range b.N {
			if _, err := s.Refresh(context.Background(), z); err != nil {
				b.Fatal(err)
			}
		}
	})
}
