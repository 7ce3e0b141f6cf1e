package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

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
	s.Type("t")
	s.waitFor("Token rotation")
	s.Keys("Down", "Down", "Enter")
	s.waitFor("New webhook token: ••••••••")
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	s.Type("v")
	s.waitFor(regexp.QuoteMeta(pending[:20]))
	s.Type("q")
	s.waitFor("EXIT=")

	now, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	all := s.Scrollback()
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

// TestSetupTokenPageRotatesBothTokensInATerminal runs kumoup setup on a
// deployment, as an operator would in a terminal, and chooses a new token
// on both token pages: the injection token is rotated (both keys in the
// token include, the old one retired), the new webhook token is kept
// aside, shown for the app (revealed once), and kumod switches only on the
// confirmation. After exit no token, old or new, is in the scrollback.
func TestSetupTokenPageRotatesBothTokensInATerminal(t *testing.T) {
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

	s := newScreen(t, bin+" setup --root "+root)
	s.waitFor("Press enter")
	s.Keys("Enter")
	field := func(title string, keys ...string) {
		s.waitFor("┃ " + regexp.QuoteMeta(title))
		s.Keys(append(keys, "Enter")...)
	}
	field("Public name of the MTA host")
	field("TLS certificate")
	field("TLS private key")
	field("Largest injection body")
	field("Let's Encrypt e-mail")
	s.waitFor(regexp.QuoteMeta("Rotate: generate a new token (the old one accepted for 7d)"))
	field("Injection token", "Down")
	field("Old token accepted for", "BSpace", "BSpace", "2", "d")
	field("App webhook URL")
	s.waitFor(regexp.QuoteMeta("Rotate: generate a new token (the app gets it before kumod)"))
	field("Webhook token", "Down")
	field("KumoProxy host")
	field("KumoProxy port")
	field("Public egress IP")
	field("HELO name")

	s.waitFor(`Injection token rotation`)
	screen := strings.Join(strings.Fields(s.Screen()), " ")
	for _, want := range []string{"old token accepted until", "(token_grace 2d)", "Webhook token rotation: the new token", "kumod keeps sending " + model.Fingerprint(applyTestWebhook)} {
		if !strings.Contains(screen, want) {
			t.Errorf("the review does not say %q:\n%s", want, s.Screen())
		}
	}
	// The token include, and the answers file for token_grace: 2d.
	s.waitFor(`Write 2 file\(s\) and keep the new webhook token aside\?`)
	s.Keys("Enter")
	s.waitFor("Every file is in place")

	rotated, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.RetiredInjectionToken != applyTestInjection || rotated.InjectionToken == applyTestInjection || rotated.RetiredAt.IsZero() {
		t.Fatalf("after the setup: current %s, retired %s at %v", model.Fingerprint(rotated.InjectionToken), model.Fingerprint(rotated.RetiredInjectionToken), rotated.RetiredAt)
	}
	include, err := os.ReadFile(l.TokenFile(d.Domain))
	if err != nil || !strings.Contains(string(include), "# retired "+rotated.RetiredAt.Format(time.RFC3339)+", accepted until "+rotated.RetiredAt.Add(48*time.Hour).Format(time.RFC3339)) {
		t.Fatalf("the token include lacks the retirement comment (%v)", err)
	}
	if rotated.WebhookToken != applyTestWebhook {
		t.Fatal("kumod's webhook token changed before the app accepted the new one")
	}
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}

	s.Keys("Enter")
	s.waitFor("New webhook token: ••••••••")
	s.Type("v")
	s.waitFor(regexp.QuoteMeta(pending[:20]))
	s.Keys("Enter")
	s.waitFor("press enter")
	s.Keys("Enter")
	s.waitFor("Webhook token switched in")
	if now, err := writer.Load(l); err != nil || now.WebhookToken != pending {
		t.Fatalf("kumod not switched after the confirmation (%v)", err)
	}
	s.Keys("Escape")
	s.waitFor("Auth secret")
	s.Type("q")
	s.waitFor("EXIT=0")

	all := s.Scrollback()
	for _, tok := range []string{applyTestInjection, applyTestWebhook, rotated.InjectionToken, pending} {
		if strings.Contains(all, tok) {
			t.Fatalf("a token is left in the terminal after exit:\n%s", all)
		}
	}
	if !strings.Contains(all, model.Fingerprint(rotated.InjectionToken)) {
		t.Errorf("the connection values printed on exit lack the new injection token's fingerprint:\n%s", all)
	}
}
