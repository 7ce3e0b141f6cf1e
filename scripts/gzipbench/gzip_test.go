// Package gzipbench measures decompressing a KumoMTA-shaped exposition
// with the standard library's compress/gzip against
// github.com/klauspost/compress/gzip (issue 16: adopt the faster one only
// if it is worth it). It is a module of its own so that kumoup does not
// depend on klauspost/compress to measure it:
//
//	cd scripts/gzipbench && go test -run '^$' -bench . -benchmem -count 3
package gzipbench

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"syscall"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/kumoup/kumoup/internal/expogen"
)

// reader is what both packages' gzip.Reader offer.
type reader interface {
	io.Reader
	Reset(io.Reader) error
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGunzip decompresses the exposition kumod would send (gzip at
// BestSpeed, as a server compressing on the fly does) through a 256 KiB
// buffer, as Summarizer.UpdateFrom reads it.
func BenchmarkGunzip(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"500k", 500_000}, {"2M", 2_000_000}} {
		body := expogen.Generate(size.n, 1)
		var gz bytes.Buffer
		zw, _ := stdgzip.NewWriterLevel(&gz, stdgzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		std, _ := stdgzip.NewReader(bytes.NewReader(gz.Bytes()))
		kp, _ := kgzip.NewReader(bytes.NewReader(gz.Bytes()))
		for _, impl := range []struct {
			name string
			r    reader
		}{{"stdlib", std}, {"klauspost", kp}} {
			b.Run(impl.name+"/"+size.name, func(b *testing.B) {
				buf := make([]byte, 256<<10)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				cpu := processCPU()
				for range b.N {
					if err := impl.r.Reset(bytes.NewReader(gz.Bytes())); err != nil {
						b.Fatal(err)
					}
					n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{impl.r}, buf)
					if err != nil || n != int64(len(body)) {
						b.Fatalf("%d bytes, %v", n, err)
					}
				}
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
	}
}
