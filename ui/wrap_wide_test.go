package ui

import (
	"strings"
	"testing"
	"time"
)

// TestWrappersEndOnACharacterWiderThanTheLine: at one cell (a terminal
// dragged narrow, a field's text width of 1), a double-width character
// cannot be cut to fit. The wrappers looped forever on it, hanging the UI
// in View; each now puts it whole on a line of its own and loses nothing.
func TestWrappersEndOnACharacterWiderThanTheLine(t *testing.T) {
	for name, wrap := range map[string]func(string) string{
		"wrapLines": func(s string) string { return strings.Join(wrapLines(s, 1), "\n") },
		"fitText":   func(s string) string { return fitText(s, 1) },
	} {
		t.Run(name, func(t *testing.T) {
			in := "日本語 /etc/x"
			done := make(chan string, 1)
			go func() { done <- wrap(in) }()
			select {
			case got := <-done:
				if flat := strings.NewReplacer("\n", "", " ", "").Replace(got); flat != "日本語/etc/x" {
					t.Errorf("%s(%q, 1) = %q: characters lost or added", name, in, got)
				}
				for _, l := range strings.Split(got, "\n") {
					if len([]rune(l)) > 1 {
						t.Errorf("%s(%q, 1): line %q holds more than one character", name, in, l)
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s(%q, 1) did not return", name, in)
			}
		})
	}
}
