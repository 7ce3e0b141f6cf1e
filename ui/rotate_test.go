package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// rotationDashboard is a dashboard (no checks, nothing to scrape) on a
// host written by apply under a fresh root.
func rotationDashboard(t *testing.T) (Model, writer.Layout) {
	t.Helper()
	root := t.TempDir()
	l, d := appliedHost(t, root)
	opt := testOptions(root)
	opt.Prefill, opt.Start = &d, StartDashboard
	opt.Checks = []probes.Check{}
	opt.Scrape.URL = "https://127.0.0.1:1/metrics"
	m := sized(NewModel(opt), 100, 30)
	return m, l
}

// key presses s and runs the command it returns (one level).
func keyRun(m Model, s string) Model {
	nm, cmd := m.Update(press(s))
	m = nm.(Model)
	return runOne(m, cmd)
}

func runOne(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	nm, next := m.Update(cmd())
	m = nm.(Model)
	if next != nil {
		if msg, ok := next().(rotationStateMsg); ok { // the reload after a step
			nm, _ = m.Update(msg)
			m = nm.(Model)
		}
	}
	return m
}

func TestDashboardRotatesTheInjectionTokenMaskedUnlessRevealed(t *testing.T) {
	m, l := rotationDashboard(t)
	m = keyRun(m, "t")
	text := screenText(m)
	if !strings.Contains(text, "Token rotation") || !strings.Contains(text, "no rotation in progress") {
		t.Fatalf("rotation pane:\n%s", text)
	}
	m = keyRun(m, "enter") // the first step: rotate the injection token
	d, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Rotating() || d.RetiredInjectionToken != testInjectionToken {
		t.Fatalf("on disk after the step: rotating %v", d.Rotating())
	}
	text = screenText(m)
	for _, want := range []string{"rotation in progress, old token accepted until", "New injection token: •••••••• (" + model.Fingerprint(d.InjectionToken) + ")", "Next: nginx -t && systemctl"} {
		if !strings.Contains(text, want) {
			t.Errorf("pane lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, d.InjectionToken) || strings.Contains(text, testInjectionToken) || strings.Contains(text, testWebhookToken) {
		t.Fatalf("pane shows a token unasked:\n%s", text)
	}
	m = send(m, press("v"))
	if !strings.Contains(screenText(m), d.InjectionToken) {
		t.Errorf("v does not reveal the new token")
	}
	m = send(m, rotationRemaskMsg{seq: m.dashboardScreen().rotation.seq})
	if strings.Contains(screenText(m), d.InjectionToken) {
		t.Errorf("the token stays shown after its reveal ended")
	}

	// A second rotation is refused, nothing written.
	m = keyRun(m, "enter")
	if text := screenText(m); !strings.Contains(text, "in progress") || !strings.Contains(text, "--finish") {
		t.Errorf("second rotation:\n%s", text)
	}
	// Finish needs a confirmation.
	m = keyRun(m, "down")
	m = keyRun(m, "enter")
	if !strings.Contains(screenText(m), "press enter again") {
		t.Fatalf("finish without confirmation:\n%s", screenText(m))
	}
	if d2, _ := writer.Load(l); !d2.Rotating() {
		t.Fatal("finished before the confirmation")
	}
	m = keyRun(m, "enter")
	if d2, _ := writer.Load(l); d2.Rotating() || d2.InjectionToken != d.InjectionToken {
		t.Fatal("not finished after the confirmation")
	}
	// Leaving reopens the dashboard on the new token.
	m = keyRun(m, "esc")
	if m.dashboardScreen() == nil || m.dashboardScreen().rotation != nil || m.deployment.InjectionToken != d.InjectionToken {
		t.Errorf("after esc: dashboard on the new token? %v", m.dashboardScreen() != nil && m.deployment.InjectionToken == d.InjectionToken)
	}
}

func TestDashboardRotatesTheWebhookTokenOnlyOnceTheAppAccepts(t *testing.T) {
	m, l := rotationDashboard(t)
	m = keyRun(m, "t")
	m = keyRun(m, "down")
	m = keyRun(m, "down")
	m = keyRun(m, "enter") // new webhook token
	tok, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := writer.Load(l); d.WebhookToken != testWebhookToken {
		t.Fatal("the environment file changed before the app accepted the token")
	}
	if text := screenText(m); strings.Contains(text, tok) || !strings.Contains(text, "waits since") {
		t.Fatalf("pane:\n%s", text)
	}
	m = keyRun(m, "down")
	m = keyRun(m, "enter")
	m = keyRun(m, "enter") // confirmed
	if d, _ := writer.Load(l); d.WebhookToken != tok {
		t.Fatalf("kumod not switched:\n%s", screenText(m))
	}
	if !strings.Contains(screenText(m), "systemctl restart kumomta") {
		t.Errorf("no restart step:\n%s", screenText(m))
	}
}

// TestRotationPaneLeftWhileReadingBackHandsOverTheStateOnDisk: esc pressed
// after a step but before the state on disk is read again must not hand
// the screen behind the pane the deployment from before the step (the
// setup's connection values showed the old webhook token's fingerprint);
// the pane leaves once the state arrives.
func TestRotationPaneLeftWhileReadingBackHandsOverTheStateOnDisk(t *testing.T) {
	m, l := rotationDashboard(t)
	m = keyRun(m, "t")
	m = keyRun(m, "down")
	m = keyRun(m, "down")
	m = keyRun(m, "enter") // new webhook token, kept aside
	tok, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	m = keyRun(m, "down")
	m = keyRun(m, "enter")
	nm, cmd := m.Update(press("enter")) // confirmed: the switch runs
	m = nm.(Model)
	nm, reload := m.Update(cmd()) // the switch is done; the state is read again
	m = nm.(Model)
	if reload == nil {
		t.Fatal("no read-back after the step")
	}
	nm, _ = m.Update(press("esc")) // before the read-back arrives
	m = nm.(Model)
	if m.deployment.WebhookToken != testWebhookToken {
		t.Fatalf("the deployment changed before the read-back")
	}
	if text := screenText(m); !strings.Contains(text, "Token rotation") {
		t.Fatalf("the pane was left before the state on disk was read:\n%s", text)
	}
	nm, _ = m.Update(reload())
	m = nm.(Model)
	if m.deployment.WebhookToken != tok {
		t.Errorf("after the read-back the deployment holds %s, want the switched token %s", model.Fingerprint(m.deployment.WebhookToken), model.Fingerprint(tok))
	}
	if text := screenText(m); strings.Contains(text, "Token rotation") {
		t.Errorf("the pane did not leave once the state was read:\n%s", text)
	}
}
