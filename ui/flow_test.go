package ui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// where is the state a probe reports: the screen, the wizard page and its
// focused field, the view's text.
type where struct {
	screen screen
	page   page
	field  string
	text   string
}

type probeMsg struct{ reply chan<- where }

// probed wraps the model so a test can ask, in the event loop's order,
// where the UI is. The production model knows nothing of it.
type probed struct{ Model }

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if pm, ok := msg.(probeMsg); ok {
		w := where{screen: p.screen, text: screenText(p.Model)}
		if wz := p.wizardScreen(); wz != nil && wz.form != nil {
			w.page = wz.page
			if f := wz.form.GetFocusedField(); f != nil {
				w.field = f.GetKey()
			}
		}
		pm.reply <- w
		return p, nil
	}
	m, cmd := p.Model.Update(msg)
	return probed{m.(Model)}, cmd
}

// flow drives a running program as a person would: it waits until the UI
// shows what the next key is meant for before typing.
type flow struct {
	t  *testing.T
	tm *teatest.TestModel
}

func (f flow) probe() where {
	reply := make(chan where, 1)
	f.tm.Send(probeMsg{reply: reply})
	select {
	case w := <-reply:
		return w
	case <-time.After(5 * time.Second):
		f.t.Fatal("the program did not answer a probe within 5 s")
	}
	return where{}
}

// waitFor polls until cond holds, failing with the last screen after 10 s.
func (f flow) waitFor(what string, cond func(where) bool) where {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w := f.probe()
		if cond(w) {
			return w
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("waiting for %s; the screen is:\n%s", what, w.text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f flow) waitField(key string) {
	f.t.Helper()
	f.waitFor("field "+key, func(w where) bool { return w.screen == screenWizard && w.field == key })
}

func (f flow) waitScreen(s screen) where {
	f.t.Helper()
	return f.waitFor("screen "+string(s), func(w where) bool { return w.screen == s })
}

func (f flow) waitText(s string) {
	f.t.Helper()
	f.waitFor("text "+s, func(w where) bool { return strings.Contains(w.text, s) })
}

func (f flow) key(k string)     { f.tm.Send(press(k)) }
func (f flow) typ(s string)     { f.tm.Type(s) }
func (f flow) enter()           { f.key("enter") }
func (f flow) fill(k, s string) { f.waitField(k); f.typ(s); f.enter() }

func startFlow(t *testing.T, opt Options) flow {
	tm := teatest.NewTestModel(t, probed{NewModel(opt)}, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	return flow{t: t, tm: tm}
}

func TestWizardFlowWritesEveryFileFromTheFirstPage(t *testing.T) {
	root := t.TempDir()
	f := startFlow(t, testOptions(root))

	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com")
	f.waitField("tls_certificate")
	f.enter() // derived from the name
	f.waitField("tls_certificate_key")
	f.enter()
	f.waitField("max_body")
	f.enter() // 25m
	f.waitField("acme_email")
	f.enter() // none

	f.waitField("injection_choice")
	f.enter() // generate
	f.fill("webhook_url", "https://app.example.com/webhooks/kumomta")
	f.waitField("webhook_choice")
	f.enter() // generate

	f.fill("proxy_host", "10.0.0.5")
	f.waitField("proxy_port")
	f.enter() // 5000
	f.fill("proxy_public_ip", "203.0.113.7")
	f.waitText("documentation address") // a warning, not blocking
	f.fill("helo", "mta.example.com")

	w := f.waitScreen(screenReview)
	if !strings.Contains(w.text, "6 to create") {
		t.Fatalf("review does not plan 6 creations:\n%s", w.text)
	}
	f.enter()
	w = f.waitScreen(screenApplied)
	if !strings.Contains(w.text, "Every file is in place") {
		t.Fatalf("apply did not finish cleanly:\n%s", w.text)
	}
	l := writer.Layout{Root: root}
	env, err := os.ReadFile(l.EnvFile())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(env, []byte("PING8_WEBHOOK_TOKEN="+testWebhookToken)) {
		t.Errorf("environment file lacks the generated webhook token:\n%s", env)
	}
	if fi, err := os.Stat(l.EnvFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("environment file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	tokens, err := os.ReadFile(l.TokenFile("mta.example.com"))
	if err != nil || !bytes.Contains(tokens, []byte(testInjectionToken)) {
		t.Errorf("token include lacks the injection token (%v)", err)
	}
	if _, err := os.Stat(l.AnswersFile()); err != nil {
		t.Errorf("answers file not written: %v", err)
	}

	f.enter()
	w = f.waitScreen(screenConnection)
	if strings.Contains(w.text, testInjectionToken) {
		t.Fatal("the connection screen shows the secret before it is revealed")
	}
	f.key("v")
	f.waitText(testInjectionToken)
	f.enter()
	w = f.waitScreen(screenNextSteps)
	if strings.Contains(w.text, testInjectionToken) {
		t.Fatal("leaving the connection screen did not mask the secret")
	}
	f.key("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probed).Model
	if final.aborted || final.err != nil || !final.written {
		t.Fatalf("final state: aborted=%v err=%v written=%v, want a clean finish", final.aborted, final.err, final.written)
	}
}

func TestWizardShowsTheModelsMessageAndStaysOnAnInvalidField(t *testing.T) {
	f := startFlow(t, testOptions(t.TempDir()))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com;x")
	f.waitText(`domain: "mta.example.com;x": ';' is not allowed in a host name`)
	if w := f.probe(); w.field != "domain" {
		t.Fatalf("focus moved to %q despite the error", w.field)
	}
}

func TestEscGoesBackAPageKeepingTheAnswers(t *testing.T) {
	f := startFlow(t, testOptions(t.TempDir()))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com")
	for _, k := range []string{"tls_certificate", "tls_certificate_key", "max_body", "acme_email"} {
		f.waitField(k)
		f.enter()
	}
	f.waitField("injection_choice")
	f.key("esc")
	f.waitFor("the host page again", func(w where) bool { return w.page == pageHost && strings.Contains(w.text, "> mta.example.com") })
	f.key("esc")
	f.waitScreen(screenPreflight)
}

func TestCtrlCQuitsWithoutWritingAnything(t *testing.T) {
	root := t.TempDir()
	f := startFlow(t, testOptions(root))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com")
	f.waitField("tls_certificate")
	f.key("ctrl+c")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probed).Model
	if !final.aborted || final.written {
		t.Fatalf("aborted=%v written=%v, want an abort with nothing written", final.aborted, final.written)
	}
	entries, err := os.ReadDir(root)
	if err != nil || len(entries) != 0 {
		t.Fatalf("root holds %d entries after ctrl+c (%v), want none", len(entries), err)
	}
}

func TestSetupRerunOnAnAppliedHostKeepsTheTokensAndWritesNothing(t *testing.T) {
	root := t.TempDir()
	l, d := appliedHost(t, root)
	opt := testOptions(root)
	opt.Prefill, opt.PrefillSource = &d, l.AnswersFile()
	opt.newToken = func() (string, error) { return "", errors.New("no token may be generated on a re-run") }
	f := startFlow(t, opt)

	f.waitText("existing answers found")
	f.enter()
	for _, k := range []string{"domain", "tls_certificate", "tls_certificate_key", "max_body", "acme_email", "injection_choice", "webhook_url", "webhook_choice", "proxy_host", "proxy_port", "proxy_public_ip", "helo"} {
		f.waitField(k)
		f.enter()
	}
	w := f.waitScreen(screenReview)
	if !strings.Contains(w.text, "Nothing to write") {
		t.Fatalf("a re-run with the same answers plans changes:\n%s", w.text)
	}
	if strings.Contains(w.text, "write the files") || !strings.Contains(w.text, "enter continue") {
		t.Fatalf("with nothing to write, the help line must say enter continues, not that it writes:\n%s", w.text)
	}
	f.enter()
	w = f.waitScreen(screenConnection)
	if !strings.Contains(w.text, model.Fingerprint(testInjectionToken)) {
		t.Fatalf("the connection screen does not show the kept token's fingerprint:\n%s", w.text)
	}
	// Nothing was written: esc goes back to the review it came from.
	f.key("esc")
	f.waitScreen(screenReview)
}

func TestPastedTokensAreMaskedAndWritten(t *testing.T) {
	root := t.TempDir()
	opt := testOptions(root)
	opt.newToken = func() (string, error) { return "", errors.New("no token may be generated when both are pasted") }
	f := startFlow(t, opt)
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("domain", "mta.example.com")
	for _, k := range []string{"tls_certificate", "tls_certificate_key", "max_body", "acme_email"} {
		f.waitField(k)
		f.enter()
	}
	f.waitField("injection_choice")
	f.key("down") // Paste a token
	f.enter()
	f.waitField("injection_token")
	f.tm.Send(tea.PasteMsg{Content: testInjectionToken})
	f.waitText("> ****************")
	if w := f.probe(); strings.Contains(w.text, testInjectionToken) {
		t.Fatalf("the pasted token is on screen:\n%s", w.text)
	}
	f.enter()
	f.fill("webhook_url", "https://app.example.com/webhooks/kumomta")
	f.waitField("webhook_choice")
	f.key("down")
	f.enter()
	f.waitField("webhook_token")
	f.tm.Send(tea.PasteMsg{Content: testInjectionToken}) // the same one: refused
	f.enter()
	f.waitText("webhook_token: must differ from injection_token")
	for range len(testInjectionToken) {
		f.key("backspace")
	}
	f.tm.Send(tea.PasteMsg{Content: testWebhookToken})
	f.enter()
	f.fill("proxy_host", "10.0.0.5")
	f.waitField("proxy_port")
	f.enter()
	f.fill("proxy_public_ip", "203.0.113.7")
	f.fill("helo", "mta.example.com")
	f.waitScreen(screenReview)
	f.enter()
	f.waitScreen(screenApplied)
	d, err := writer.Load(writer.Layout{Root: root})
	if err != nil || d.InjectionToken != testInjectionToken || d.WebhookToken != testWebhookToken {
		t.Fatalf("written tokens differ from the pasted ones (%v)", err)
	}
}

func TestSetupRerunWithANewDomainRetiresTheOldSiteAndTokenFiles(t *testing.T) {
	root := t.TempDir()
	l, d := appliedHost(t, root)
	oldSite, oldTokens := l.SiteFile(d.Domain), l.TokenFile(d.Domain)
	opt := testOptions(root)
	opt.Prefill, opt.PrefillSource = &d, l.AnswersFile()
	f := startFlow(t, opt)

	f.waitText("existing answers found")
	f.enter()
	f.waitField("domain")
	f.key("ctrl+u")
	f.fill("domain", "mta2.example.com")
	for _, k := range []string{"tls_certificate", "tls_certificate_key", "max_body", "acme_email", "injection_choice", "webhook_url", "webhook_choice", "proxy_host", "proxy_port", "proxy_public_ip", "helo"} {
		f.waitField(k)
		f.enter()
	}
	w := f.waitScreen(screenReview)
	if !strings.Contains(w.text, "to retire") {
		t.Fatalf("the review of a new domain does not retire the old domain's files:\n%s", w.text)
	}
	f.enter()
	f.waitText("Every file is in place")
	for _, p := range []string{oldSite, oldTokens} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still in place (nginx would still load it): %v", p, err)
		}
		if m, _ := filepath.Glob(p + writer.BackupInfix + "*"); len(m) != 1 {
			t.Errorf("%s was not moved aside to one backup: %q", p, m)
		}
	}
}
