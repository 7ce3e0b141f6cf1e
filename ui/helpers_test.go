package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Fixed test tokens: never real secrets.
const (
	testInjectionToken = "TEST-injection-token-0123456789abcdefghijk"
	testWebhookToken   = "TEST-webhook-token-0123456789abcdefghijklm"
)

// fixedNow is the clock of every golden file.
var fixedNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// fixedTokens hands out the two test tokens in order.
func fixedTokens() func() (string, error) {
	toks := []string{testInjectionToken, testWebhookToken}
	i := 0
	return func() (string, error) {
		if i >= len(toks) {
			return "", fmt.Errorf("fixedTokens: only %d tokens", len(toks))
		}
		i++
		return toks[i-1], nil
	}
}

// testFacts is a root host with nginx and kumod, no certificate.
func testFacts(_ context.Context, opt Options) hostFacts {
	f := hostFacts{Sensed: true, Root: true, Nginx: "/usr/sbin/nginx", Kumod: KumodPath}
	if opt.Prefill != nil {
		d := opt.Prefill.WithDefaults()
		f.Cert = certStatus{Checked: true, Domain: d.Domain, Webroot: d.ACMEWebroot, Cert: d.TLSCertificate, Key: d.TLSCertificateKey, Layout: opt.Layout, Certbot: true}
	}
	return f
}

// testOptions writes (if ever) under root, with fixed clock, tokens and facts.
func testOptions(root string) Options {
	return Options{
		Layout:    writer.Layout{Root: root},
		now:       fixedClock,
		newToken:  fixedTokens(),
		senseHost: testFacts,
	}
}

// testDeployment is a complete, valid deployment with the test tokens.
func testDeployment() model.Deployment {
	return model.Deployment{
		Domain:         "mta.example.com",
		InjectionToken: testInjectionToken,
		WebhookToken:   testWebhookToken,
		WebhookURL:     "https://app.example.com/webhooks/kumomta",
		ProxyHost:      "10.0.0.5",
		ProxyPublicIP:  "203.0.113.7",
		HELO:           "mta.example.com",
	}.WithDefaults()
}

// appliedHost writes testDeployment under root, as a finished setup would
// have, and returns the layout and the answers loaded back from it.
func appliedHost(t *testing.T, root string) (writer.Layout, model.Deployment) {
	t.Helper()
	l := writer.Layout{Root: root}
	// As kumoup apply renders it: HTTP only while the certificate is missing.
	files, err := writer.Render(testDeployment(), writer.Options{Layout: l, HTTPOnly: len(writer.CertificateMissing(testDeployment())) > 0})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := writer.NewPlan(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	d, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, d
}

// send feeds msgs to m in order, running no commands.
func send(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		nm, _ := m.Update(msg)
		m = nm.(Model)
	}
	return m
}

// sized resizes m to w×h.
func sized(m Model, w, h int) Model { return send(m, tea.WindowSizeMsg{Width: w, Height: h}) }

// screenText is the view's content without ANSI sequences.
func screenText(m Model) string { return ansi.Strip(m.View().Content) }

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// runCmd runs cmd synchronously and feeds its message (one level of
// batches) back into m.
func runCmd(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			m = runCmd(m, c)
		}
		return m
	}
	if msg == nil {
		return m
	}
	return send(m, msg)
}

// settle runs cmd and every command its messages lead to, synchronously,
// until none is left (at most 100 steps). Only for flows without ticks.
func settle(m Model, cmd tea.Cmd) Model {
	queue := []tea.Cmd{cmd}
	for i := 0; len(queue) > 0 && i < 100; i++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		nm, next := m.Update(msg)
		m = nm.(Model)
		queue = append(queue, next)
	}
	return m
}
