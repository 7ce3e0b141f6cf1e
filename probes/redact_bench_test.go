package probes

import (
	"testing"

	"github.com/kumoup/kumoup/internal/redact"
)

// BenchmarkRedact measures the redaction Run applies to a sweep's results:
// the results of one real sweep of the catalogue against the loopback
// deployment of BenchmarkStatusSweep (real nginx, danted, the stand-in
// kumod), masked with the target's two tokens. "rebuilt" is the path
// before redact.Shared (a Redactor built on every call: every token's
// case, cut and escaped patterns compiled again), "shared" is Redact now.
// The sweep pair does the same around a whole Run (the sweep's own work
// included, and the redaction host.nginx.config applies to nginx's
// output).
func BenchmarkRedact(b *testing.B) {
	target, checks := sweepBenchTarget(b)
	tokens := []string{target.Deployment.InjectionToken, target.Deployment.WebhookToken}
	results := runUnmasked(b.Context(), target, checks)
	b.Logf("%d results, %d bytes of details and remedies", len(results), resultBytes(results))

	rebuilt := func(b *testing.B) {
		redactorFor = redact.New
		b.Cleanup(func() { redactorFor = redact.Shared })
	}
	b.Run("results/rebuilt", func(b *testing.B) {
		rebuilt(b)
		b.ReportAllocs()
		for b.Loop() {
			Redact(results, tokens...)
		}
	})
	b.Run("results/shared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Redact(results, tokens...)
		}
	})
	b.Run("sweep/rebuilt", func(b *testing.B) {
		rebuilt(b)
		b.ReportAllocs()
		for b.Loop() {
			Run(b.Context(), target, checks)
		}
	})
	b.Run("sweep/shared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Run(b.Context(), target, checks)
		}
	})
}

func resultBytes(results []Result) int {
	n := 0
	for _, r := range results {
		n += len(r.Detail) + len(r.Remedy)
	}
	return n
}
