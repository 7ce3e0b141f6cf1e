package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/writer"
)

func TestReviewHelpOffersEnterOnlyWhenItWrites(t *testing.T) {
	m := atReview(t, prefilled(), 80, 24)
	if h := ansi.Strip(m.helpView()); !strings.Contains(h, "enter write the files") {
		t.Fatalf("a plan to write: help line %q lacks enter", h)
	}
	m.reviewScreen().msg.rootErr = writer.ErrNotRoot
	if h := ansi.Strip(m.helpView()); strings.Contains(h, "enter") || !strings.Contains(h, "esc back") {
		t.Fatalf("writing refused: help line %q still offers enter, or not esc", h)
	}
	next, _ := m.Update(press("enter"))
	if next.(Model).screen != screenReview {
		t.Fatal("enter left the review although writing is refused")
	}
}
