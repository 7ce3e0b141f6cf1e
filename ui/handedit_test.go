package ui

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/writer"
)

func TestReviewSaysAFileWasChangedByHandAndShowsTheEditMasked(t *testing.T) {
	l := writer.Layout{Root: t.TempDir()}
	d := testDeployment()
	p, err := writer.PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	site := l.SiteFile(d.Domain)
	f, err := os.OpenFile(site, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# Bearer " + testWebhookToken + " pasted by hand\n")
	f.Close()

	p, err = writer.PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	text := ansi.Strip(strings.Join(reviewLines(planMsg{d: d, plan: p}, NewStyles(false), 80), "\n"))
	for _, want := range []string{
		"changed by hand since the last apply: content; applying replaces it",
		"the hand edit (last applied, then now on disk):",
		"+# Bearer ••••••••[sha256:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("review lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, testWebhookToken) || strings.Contains(text, testInjectionToken) {
		t.Fatalf("review shows a token:\n%s", text)
	}
	if n := strings.Count(text, "changed by hand"); n != 1 {
		t.Errorf("%d files said changed by hand, want 1 (the site):\n%s", n, text)
	}
}
