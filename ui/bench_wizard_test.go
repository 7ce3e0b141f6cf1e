package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkWizardKey is one key typed into the wizard's first field: the
// top-level Update and the View that follows, as the program runs them for
// every key (a paste through tmux arrives as one key per character).
func BenchmarkWizardKey(b *testing.B) {
	for _, s := range sizes {
		b.Run(itoa(s.w)+"x"+itoa(s.h), func(b *testing.B) {
			m := atPage(prefilled(), pageHost, s.w, s.h)
			keys := []tea.Msg{press("a"), press("backspace")}
			b.ReportAllocs()
			i := 0
			cpu := threadCPU()
			for b.Loop() {
				nm, _ := m.Update(keys[i%2])
				m = nm.(Model)
				_ = m.View()
				i++
			}
			b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
