package e2e

import (
	"testing"
	"time"
)

// BenchmarkDemoStartToFirstScreen measures what an operator waits for
// after typing `kumoup demo` (stand-in kumod, nginx -t and nginx started,
// the UI's first frame) until the preflight screen is readable in tmux,
// then quits it with ctrl+c. The polling adds up to 20 ms.
func BenchmarkDemoStartToFirstScreen(b *testing.B) {
	need(b, "nginx", "nginx")
	term := newTerminal(b, termOptions{})
	for b.Loop() {
		start := time.Now()
		term.typeLine("kumoup demo")
		if _, ok := term.Poll(`Setup\s+preflight`, 20*time.Second, 20*time.Millisecond); !ok {
			b.Fatalf("no preflight screen after 20s:\n%s", frame(term.Screen()))
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/first-screen")
		b.StopTimer()
		term.Keys("C-c")
		term.WaitFor(promptRE, 15*time.Second)
		term.typeLine("clear")
		term.WaitFor(`\A\$\s*\n`, 5*time.Second)
		b.StartTimer()
	}
}
