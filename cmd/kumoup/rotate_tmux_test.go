package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// TestRotateAndDiffInATerminalLeaveNoSecretInTheScrollback runs the real
// binary in a terminal, as an operator would: rotate both tokens, diff,
// status of the host, then the dashboard's rotation pane with a token
// revealed. After exit no token, old or new, is in the scrollback.
func TestRotateAndDiffInATerminalLeaveNoSecretInTheScrollback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kumoup and drives it in tmux")
	}
	bin, root := buildKumoup(t), t.TempDir()
	l := writer.Layout{Root: root}
	d := model.Deployment{
		Domain: "mta.example.com", InjectionToken: applyTestInjection, WebhookToken: applyTestWebhook,
		WebhookURL: "https://app.example.com/kumo/events", ProxyHost: "10.0.0.5", ProxyPublicIP: "8.8.4.4", HELO: "mail.example.com",
	}.WithDefaults()
	p, err := writer.PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	r := " --root " + root
	s := newScreen(t, bin+" rotate injection"+r+" && "+bin+" rotate webhook"+r+" && "+bin+" rotate webhook --confirm-app-accepts"+r+
		" && { "+bin+" diff"+r+"; "+bin+" status --only host.files,host.tokens"+r+"; } ; "+bin+" dashboard"+r)
	s.waitFor("Metrics")
	s.keys(true, "t")
	s.waitFor("Token rotation")
	s.keys(false, "Down", "Down", "Enter")
	s.waitFor("New webhook token: ••••••••")
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	s.keys(true, "v")
	s.waitFor(regexp.QuoteMeta(pending[:20]))
	s.keys(true, "q")
	s.waitFor("EXIT=")

	now, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	all := s.capture(true)
	for _, tok := range []string{applyTestInjection, applyTestWebhook, now.InjectionToken, now.RetiredInjectionToken, now.WebhookToken, pending} {
		if tok != "" && strings.Contains(all, tok) {
			t.Fatalf("a token is left in the terminal after exit:\n%s", all)
		}
	}
	for _, want := range []string{"Injection token rotated", "Webhook token switched", "rotation in progress, old token accepted until"} {
		if !strings.Contains(all, want) {
			t.Errorf("the scrollback lacks %q:\n%s", want, all)
		}
	}
}
