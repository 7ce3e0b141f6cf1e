package ui

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/probes"
)

// BenchmarkDashboardView renders the dashboard at 120x40 with 30 checks and
// every sparkline full (HistoryLen values).
func BenchmarkDashboardView(b *testing.B) {
	m := atDashboard(120, 40,
		scrapeMsg{sum: testSummary(), latency: 34 * time.Millisecond, at: fixedNow},
		checksMsg{results: testResults(30, false), at: fixedNow})
	b.ReportAllocs()
	cpu := threadCPU()
	for b.Loop() {
		_ = m.View()
	}
	b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// threadCPU is the CPU time the calling thread has used: unlike wall time
// it does not grow when other processes compete for the cores.
func threadCPU() time.Duration {
	runtime.LockOSThread()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDashboardView80x24 is the same at the smallest supported size.
func BenchmarkDashboardView80x24(b *testing.B) {
	m := atDashboard(80, 24,
		scrapeMsg{sum: testSummary(), latency: 34 * time.Millisecond, at: fixedNow},
		checksMsg{results: testResults(30, false), at: fixedNow})
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// firstWrite signals when the program first writes to the terminal.
type firstWrite struct {
	once sync.Once
	done chan struct{}
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.done) })
	return len(p), nil
}

// BenchmarkStartToFirstFrame measures a real program from NewProgram to
// its first bytes on the terminal, for the wizard and the dashboard.
func BenchmarkStartToFirstFrame(b *testing.B) {
	for _, start := range []Start{StartWizard, StartDashboard} {
		name := map[Start]string{StartWizard: "wizard", StartDashboard: "dashboard"}[start]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				opt := testOptions(goldenRoot)
				d := testDeployment()
				opt.Prefill, opt.Start = &d, start
				opt.Checks = []probes.Check{} // no check leaves loopback
				opt.Scrape.URL = "https://127.0.0.1:1/metrics"
				out := &firstWrite{done: make(chan struct{})}
				p := tea.NewProgram(NewModel(opt), tea.WithInput(nil), tea.WithOutput(out), tea.WithWindowSize(80, 24), tea.WithoutSignals())
				ran := make(chan struct{})
				go func() { _, _ = p.Run(); close(ran) }()
				<-out.done
				b.StopTimer()
				p.Quit()
				<-ran
				b.StartTimer()
			}
		})
	}
}
