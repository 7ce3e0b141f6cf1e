package ui

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Tokens a rotation in the setup makes: never real secrets.
const (
	testRotatedInjection = "TEST-rotated-injection-0123456789abcdefghij"
	testRotatedWebhook   = "TEST-rotated-webhook-0123456789abcdefghijkl"
)

// tokensInOrder hands out toks in order, then fails.
func tokensInOrder(toks ...string) func() (string, error) {
	return func() (string, error) {
		if len(toks) == 0 {
			return "", errors.New("no more test tokens")
		}
		tok := toks[0]
		toks = toks[1:]
		return tok, nil
	}
}

// setupPages are the wizard's fields on a deployment, in order.
var setupPages = []string{"domain", "tls_certificate", "tls_certificate_key", "max_body", "acme_email", "injection_choice", "webhook_url", "webhook_choice", "proxy_host", "proxy_port", "proxy_public_ip", "helo"}

// rotationPages are setupPages with the injection token rotated: the
// grace page (token_grace) follows the choice.
var rotationPages = append(append(append([]string{}, setupPages[:6]...), "token_grace"), setupPages[6:]...)

// throughWizard goes through the fields (every field of the prefilled
// wizard when none are named) with enter, pressing the keys in choose
// first on the fields it names.
func throughWizard(f flow, choose map[string][]string, fields ...string) {
	f.t.Helper()
	if fields == nil {
		fields = setupPages
	}
	for _, k := range fields {
		f.waitField(k)
		for _, key := range choose[k] {
			f.key(key)
		}
		f.enter()
	}
}

// waitSaid waits until the screen says s, wrapped or not.
func waitSaid(f flow, s string) {
	f.t.Helper()
	f.waitFor("text "+s, func(w where) bool { return strings.Contains(oneLine(w.text), s) })
}

// oneLine is text with its line breaks and runs of spaces as one space:
// what a wrapped sentence says.
func oneLine(text string) string { return strings.Join(strings.Fields(text), " ") }

// rotatingSetup is the setup on a host written by apply, with the fixed
// clock and the tokens a rotation makes.
func rotatingSetup(t *testing.T) (flow, writer.Layout) {
	t.Helper()
	root := t.TempDir()
	l, d := appliedHost(t, root)
	opt := testOptions(root)
	opt.Prefill, opt.PrefillSource = &d, l.AnswersFile()
	opt.newToken = tokensInOrder(testRotatedInjection, testRotatedWebhook)
	f := startFlow(t, opt)
	f.waitText("existing answers found")
	f.enter()
	return f, l
}

func TestSetupTokenPageRotatesTheInjectionTokenWithTheOldOneAcceptedForTheGracePeriod(t *testing.T) {
	f, l := rotatingSetup(t)
	throughWizard(f, map[string][]string{"injection_choice": {"down"}}, rotationPages...) // Rotate: generate a new token

	w := f.waitScreen(screenReview)
	until := fixedNow.Add(model.DefaultTokenGrace).UTC().Format("2006-01-02 15:04 MST")
	for _, want := range []string{
		"Injection token rotation: nginx accepts the new token " + model.Fingerprint(testRotatedInjection) + " and the old one " + model.Fingerprint(testInjectionToken),
		"old token accepted until " + until + " (token_grace 7d)",
		"kumoup rotate injection --finish",
	} {
		if !strings.Contains(oneLine(w.text), want) {
			t.Errorf("the review does not say %q:\n%s", want, w.text)
		}
	}
	if strings.Contains(w.text, "Webhook token rotation") {
		t.Errorf("the review announces a webhook rotation nobody chose:\n%s", w.text)
	}
	f.enter()
	w = f.waitScreen(screenApplied)
	if !strings.Contains(w.text, "Every file is in place") {
		t.Fatalf("apply did not finish cleanly:\n%s", w.text)
	}

	// The token include holds both keys, the old one under its retirement
	// comment: that is the rotation's state on disk.
	include, err := os.ReadFile(l.TokenFile("mta.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	retired := "# retired " + fixedNow.Format(time.RFC3339) + ", accepted until " + fixedNow.Add(model.DefaultTokenGrace).Format(time.RFC3339)
	for _, want := range []string{testRotatedInjection, testInjectionToken, retired} {
		if !bytes.Contains(include, []byte(want)) {
			t.Errorf("the token include lacks %q", strings.ReplaceAll(strings.ReplaceAll(want, testRotatedInjection, "<new>"), testInjectionToken, "<old>"))
		}
	}
	if i, j := bytes.Index(include, []byte(retired)), bytes.Index(include, []byte(testInjectionToken)); i < 0 || j < i {
		t.Errorf("the retirement comment is not above the old token")
	}
	d, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testRotatedInjection || d.RetiredInjectionToken != testInjectionToken || !d.RetiredAt.Equal(fixedNow) {
		t.Fatalf("read back: current %s, retired %s at %v; want %s, %s at %v",
			model.Fingerprint(d.InjectionToken), model.Fingerprint(d.RetiredInjectionToken), d.RetiredAt,
			model.Fingerprint(testRotatedInjection), model.Fingerprint(testInjectionToken), fixedNow)
	}
	if d.WebhookToken != testWebhookToken {
		t.Errorf("the webhook token changed with the injection token's rotation")
	}
	// The state file records the token include as written.
	st, err := writer.ReadState(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	if rec, ok := st.Record("/etc/nginx/kumoup/mta.example.com.tokens"); !ok || rec.SHA256 == "" || strings.Contains(rec.Masked, testRotatedInjection) || strings.Contains(rec.Masked, testInjectionToken) {
		t.Errorf("state file record of the token include: %+v (found %v), want one with its digest and no token", rec.Path, ok)
	}

	// The app's connection values give the new token.
	f.enter()
	w = f.waitScreen(screenConnection)
	if !strings.Contains(w.text, model.Fingerprint(testRotatedInjection)) || strings.Contains(w.text, testRotatedInjection) {
		t.Errorf("the connection values do not show the new token masked:\n%s", w.text)
	}
}

func TestSetupTokenPageRefusesASecondInjectionRotationWithRotatesMessage(t *testing.T) {
	root := t.TempDir()
	l, d := appliedHost(t, root)
	rotated, err := d.RotateInjection(testRotatedInjection, fixedNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p, err := writer.PlanRotation(rotated, l, l.TokenFile(d.Domain))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	d, err = writer.Load(l)
	if err != nil || !d.Rotating() {
		t.Fatalf("no rotation in progress on disk (%v)", err)
	}
	opt := testOptions(root)
	opt.Prefill, opt.PrefillSource = &d, l.AnswersFile()
	opt.newToken = func() (string, error) { return "", errors.New("no token may be generated while a rotation is refused") }
	f := startFlow(t, opt)
	f.waitText("existing answers found")
	f.enter()
	for _, k := range setupPages[:5] {
		f.waitField(k)
		f.enter()
	}
	f.waitField("injection_choice")
	f.key("down")
	f.enter()
	_, want := d.RotateInjection("x", fixedNow)
	f.waitFor("kumoup rotate's refusal", func(w where) bool { return strings.Contains(oneLine(w.text), oneLine(want.Error())) })
	if w := f.probe(); w.field != "injection_choice" {
		t.Fatalf("the refused choice moved on to %q", w.field)
	}
	// Keeping the token goes on, the rotation untouched.
	f.key("up")
	f.enter()
	f.waitField("webhook_url")
}

func TestSetupTokenPageRotatesTheWebhookTokenOnlyOnceTheAppAccepts(t *testing.T) {
	f, l := rotatingSetup(t)
	throughWizard(f, map[string][]string{"webhook_choice": {"down"}}) // Rotate: generate a new token

	w := f.waitScreen(screenReview)
	for _, want := range []string{
		"Webhook token rotation: the new token " + model.Fingerprint(testRotatedInjection) + " is kept aside in " + writer.PendingWebhookPath,
		"kumod keeps sending " + model.Fingerprint(testWebhookToken),
		"enter: keep the new webhook token aside",
	} {
		if !strings.Contains(oneLine(w.text), want) {
			t.Errorf("the review does not say %q:\n%s", want, w.text)
		}
	}
	f.enter()
	f.waitScreen(screenApplied)
	// The first token handed out went to the webhook: the injection token
	// was kept.
	newHook := testRotatedInjection
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil || pending != newHook {
		t.Fatalf("the new webhook token is not kept aside (%v)", err)
	}
	if d, _ := writer.Load(l); d.WebhookToken != testWebhookToken || d.InjectionToken != testInjectionToken {
		t.Fatal("the environment file changed before the app accepted the new webhook token")
	}

	// The new value for the app first, masked.
	f.enter()
	w = f.waitScreen(screenTokenRotation)
	for _, want := range []string{"New webhook token: •••••••• (" + model.Fingerprint(newHook) + ")", "a new token waits since", "> The app accepts the new webhook token: switch kumod"} {
		if !strings.Contains(w.text, want) {
			t.Errorf("the rotation screen lacks %q:\n%s", want, w.text)
		}
	}
	if strings.Contains(w.text, newHook) {
		t.Fatalf("the new webhook token is shown unasked:\n%s", w.text)
	}
	f.key("v")
	f.waitText(newHook)

	// kumod switches only on the confirmation.
	f.enter()
	waitSaid(f, "press enter again")
	if d, _ := writer.Load(l); d.WebhookToken != testWebhookToken {
		t.Fatal("kumod switched before the confirmation")
	}
	f.enter()
	waitSaid(f, "Webhook token switched in")
	d, err := writer.Load(l)
	if err != nil || d.WebhookToken != newHook {
		t.Fatalf("kumod not switched after the confirmation (%v)", err)
	}
	if _, _, err := writer.PendingWebhook(context.Background(), l); !errors.Is(err, writer.ErrNoWebhookRotation) {
		t.Errorf("the pending token is still kept after the switch: %v", err)
	}
	w = f.probe()
	if strings.Contains(w.text, newHook) {
		t.Errorf("the token stays shown after the step:\n%s", w.text)
	}

	// Then the connection values, with the token kumod now sends.
	f.key("esc")
	w = f.waitScreen(screenConnection)
	if !strings.Contains(w.text, model.Fingerprint(newHook)) {
		t.Errorf("the connection values do not show the new webhook token's fingerprint:\n%s", w.text)
	}
}

func TestSetupTokenPageRefusesAWebhookRotationWhileOneWaits(t *testing.T) {
	f, l := rotatingSetup(t)
	if err := writer.StartWebhookRotation(context.Background(), l, testRotatedWebhook); err != nil {
		t.Fatal(err)
	}
	throughWizard(f, map[string][]string{"webhook_choice": {"down"}})
	w := f.waitScreen(screenReview)
	want := writer.NoWebhookRotation(context.Background(), l).Error()
	if !strings.Contains(oneLine(w.text), oneLine(want)) {
		t.Fatalf("the review does not refuse with rotate's message %q:\n%s", want, w.text)
	}
	if pending, _, _ := writer.PendingWebhook(context.Background(), l); pending != testRotatedWebhook {
		t.Fatal("the refused rotation replaced the pending token")
	}
}

func TestSetupOnAFreshHostStillReplacesNothingAndOffersNoRotation(t *testing.T) {
	m := atPage(testOptions(t.TempDir()), pageInjection, 80, 24)
	if text := screenText(m); strings.Contains(text, "Rotate") || !strings.Contains(text, "Generate a new token (256 bits)") {
		t.Fatalf("a fresh host's token page:\n%s", text)
	}
	d, genInj, _ := m.wizardScreen().answers()
	if !genInj || d.Rotating() || m.wizardScreen().rotation() != (tokenRotation{}) {
		t.Fatalf("a fresh host's answers rotate: generate %v, rotating %v", genInj, d.Rotating())
	}
}

func TestSetupRotationOnRealNginxAcceptsBothTokensAndRefusesAThird(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site, err := loopback.Start(ctx, loopback.Config{Dir: t.TempDir(), Deployment: model.Deployment{InjectionToken: testInjectionToken, WebhookToken: testWebhookToken}})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Stop()

	opt := testOptions(site.Layout.Root)
	opt.Layout = site.Layout
	d := site.Deployment
	opt.Prefill, opt.PrefillSource = &d, site.Layout.AnswersFile()
	// The files as the site renders them: only the token include changes.
	opt.Render = writer.Options{ListenAddrs: []string{"127.0.0.1"}, HTTPSPort: site.HTTPSPort, HTTPPort: site.HTTPPort, Nginx: site.NginxVersion}
	opt.newToken, opt.now = tokensInOrder(testRotatedInjection), time.Now
	f := startFlow(t, opt)
	f.waitText("existing answers found")
	f.enter()
	throughWizard(f, map[string][]string{"injection_choice": {"down"}}, rotationPages...)
	w := f.waitScreen(screenReview)
	if !strings.Contains(oneLine(w.text), "old token accepted until") || !strings.Contains(w.text, "Plan: 0 to create, 1 to update") {
		t.Fatalf("review:\n%s", w.text)
	}
	f.enter()
	if w := f.waitScreen(screenApplied); !strings.Contains(w.text, "Every file is in place") {
		t.Fatalf("apply:\n%s", w.text)
	}
	include := site.Layout.TokenFile(d.Domain)
	written, err := os.ReadFile(include)
	if err != nil {
		t.Fatal(err)
	}

	// nginx -t && systemctl reload nginx, as the next steps say: the site
	// re-renders the deployment read back from disk, which must be the
	// wizard's token include byte for byte.
	loaded, err := writer.Load(site.Layout)
	if err != nil {
		t.Fatal(err)
	}
	if err := site.Reload(ctx, loaded); err != nil {
		t.Fatal(err)
	}
	if served, err := os.ReadFile(include); err != nil || !bytes.Equal(served, written) {
		t.Fatalf("the reloaded token include is not the one the setup wrote (%v)", err)
	}
	status := func(token string) int {
		req, _ := http.NewRequest("GET", site.URL(model.MetricsPath), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := site.HTTP1Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	third := "TEST-third-token-0123456789abcdefghijklmnop"
	if old, rotated, other := status(testInjectionToken), status(testRotatedInjection), status(third); old != 200 || rotated != 200 || other != 401 {
		t.Fatalf("after the setup's rotation: old token %d, new token %d, a third token %d; want 200, 200, 401", old, rotated, other)
	}
}

func TestSetupTokenPageRotatesToAPastedInjectionToken(t *testing.T) {
	f, l := rotatingSetup(t)
	for _, k := range setupPages[:5] {
		f.waitField(k)
		f.enter()
	}
	f.waitField("injection_choice")
	f.key("down")
	f.key("down") // Rotate: paste a new token
	f.enter()
	f.waitField("injection_token")
	f.tm.Send(tea.PasteMsg{Content: testInjectionToken}) // the current one: refused
	f.enter()
	waitSaid(f, "injection_token: is the current injection token")
	for range len(testInjectionToken) {
		f.key("backspace")
	}
	f.tm.Send(tea.PasteMsg{Content: testRotatedInjection})
	f.enter()
	if w := f.probe(); strings.Contains(w.text, testRotatedInjection) {
		t.Fatalf("the pasted token is on screen:\n%s", w.text)
	}
	throughWizard(f, nil, rotationPages[6:]...) // the grace page, then the rest
	w := f.waitScreen(screenReview)
	if !strings.Contains(oneLine(w.text), "nginx accepts the new token "+model.Fingerprint(testRotatedInjection)+" and the old one "+model.Fingerprint(testInjectionToken)) {
		t.Fatalf("review:\n%s", w.text)
	}
	f.enter()
	f.waitScreen(screenApplied)
	if d, err := writer.Load(l); err != nil || d.InjectionToken != testRotatedInjection || d.RetiredInjectionToken != testInjectionToken {
		t.Fatalf("the pasted token did not rotate the injection token (%v)", err)
	}
}

func TestSetupReviewSaysARotationInProgressIsKept(t *testing.T) {
	d := testDeployment()
	d, err := d.RotateInjection(testRotatedInjection, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	pm := planMsg{d: d, plan: &writer.Plan{}}
	text := oneLine(strings.Join(rotationReviewLines(pm, NewStyles(false), 80), "\n"))
	if !strings.Contains(text, "rotation in progress, old token accepted until 2026-11-29 12:00 UTC") || !strings.Contains(text, "kept as it is") {
		t.Fatalf("review lines: %s", text)
	}
	if lines := rotationReviewLines(planMsg{d: testDeployment(), plan: &writer.Plan{}}, NewStyles(false), 80); len(lines) != 0 {
		t.Fatalf("review lines without any rotation: %q", lines)
	}
}
