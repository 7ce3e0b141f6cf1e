package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// The setup's token page on a deployment that already has its tokens: a
// new token there is a rotation, the same as kumoup rotate and the
// dashboard's t pane (rotate.go), never a replacement that would lock the
// app out the moment nginx reloads.
//
//   - injection: the draft keeps the current token as the retired one
//     (wizard.answers, model.Deployment.RotateInjection): the token include
//     holds both keys, the old one marked retired, and nginx accepts it for
//     token_grace.
//   - webhook: kumod sends one token, so the plan keeps the current one;
//     the new one is kept aside once the files are written
//     (writer.StartWebhookRotation), shown to the operator for the app, and
//     kumod switches only when the operator confirms that the app accepts
//     it: the rotation pane, opened on that step (openWebhookRotation).
//
// A rotation already in progress is refused with kumoup rotate's message.

// tokenRotation is the rotation the token page chose.
type tokenRotation struct {
	// injection: the draft retires the current injection token.
	injection bool
	// webhook: a new webhook token, kept aside until the app accepts it;
	// webhookToken is the pasted one until prepare fills in a generated one.
	webhook      bool
	webhookToken string
}

// rotatesInjection reports whether the page asks for a new injection token
// on a deployment that has one.
func (w *wizard) rotatesInjection() bool {
	return w.hasInjection && w.injectionChoice != tokenKeep
}

// rotatesWebhook is rotatesInjection for the webhook token.
func (w *wizard) rotatesWebhook() bool {
	return w.hasWebhook && w.webhookChoice != tokenKeep
}

// rotation is the rotation the page chose.
func (w *wizard) rotation() tokenRotation {
	r := tokenRotation{injection: w.rotatesInjection() && w.validateInjectionChoice(w.injectionChoice) == nil, webhook: w.rotatesWebhook()}
	if r.webhook && w.webhookChoice == tokenPaste {
		r.webhookToken = w.webhookPaste
	}
	return r
}

// clock is the wizard's time (the Options' in tests).
func (w *wizard) clock() time.Time {
	if w.now == nil {
		return time.Now()
	}
	return w.now()
}

// validateInjectionChoice refuses a new injection token while a rotation
// is in progress, with kumoup rotate's message: a third token would drop
// the retired one, which the app may still send.
func (w *wizard) validateInjectionChoice(c tokenChoice) error {
	if c == tokenKeep || !w.hasInjection {
		return nil
	}
	if _, err := w.d.RotateInjection(w.d.InjectionToken, w.clock()); err != nil {
		return fmt.Errorf("injection_choice: %w", err)
	}
	return nil
}

// validateInjectionPaste checks a pasted injection token; on a deployment
// it must be a new one.
func (w *wizard) validateInjectionPaste(s string) error {
	if err := model.ValidateToken(s); err != nil {
		return err
	}
	if w.hasInjection && s == w.d.InjectionToken {
		return errors.New("is the current injection token: choose Keep on the previous page, or paste a new one")
	}
	return nil
}

// graceText is how long a retired injection token stays accepted, as the
// answers say it (token_grace) or the default.
func graceText(d model.Deployment) string {
	if d.TokenGrace != "" {
		return d.TokenGrace
	}
	return strconv.Itoa(int(model.DefaultTokenGrace/(24*time.Hour))) + "d"
}

// tokenGrace is token_grace as the grace page left it, for the draft of an
// injection rotation: as typed, or unset (the default) where the answers
// set none and the page still says the default, so that the answers file
// changes only where the operator changed it.
func (w *wizard) tokenGrace() string {
	g := strings.TrimSpace(w.grace)
	if w.d.TokenGrace == "" && g == graceText(model.Deployment{}) {
		return ""
	}
	return g
}

// graceShown is the grace period the token page's rotation offers: the
// grace page's, once it holds a valid one, else the answers'.
func (w *wizard) graceShown() string {
	if g := strings.TrimSpace(w.grace); g != "" && model.ValidateTokenGrace(g) == nil {
		return g
	}
	return graceText(w.d)
}

// validateGrace is the grace page's check: model's for token_grace, the
// value trimmed as tokenGrace saves it.
func validateGrace(s string) error { return model.ValidateTokenGrace(strings.TrimSpace(s)) }

// prepareAnswers starts planning the wizard's answers, with the rotation
// its token page chose.
func (m Model) prepareAnswers(w *wizard) tea.Cmd {
	d, genInj, genHook := w.answers()
	if rot := w.rotation(); m.host == writer.HostMTA && (rot.injection || rot.webhook) {
		return prepareRotatingCmd(m.ctx, m.opt, d, genInj, genHook, rot)
	}
	return m.prepare(d, genInj, genHook)
}

// prepare generates the new webhook token unless one was pasted, checks it
// against d's tokens, and refuses while another new webhook token waits
// for the app (kumoup rotate webhook's message). It runs in prepareCmd.
func (r tokenRotation) prepare(ctx context.Context, opt Options, d model.Deployment) (tokenRotation, error) {
	if !r.webhook {
		return r, nil
	}
	if err := writer.NoWebhookRotation(ctx, opt.Layout); err != nil {
		return r, fmt.Errorf("webhook_choice: %w", err)
	}
	if r.webhookToken == "" {
		tok, err := opt.newToken()
		if err != nil {
			return r, err
		}
		r.webhookToken = tok
	}
	if err := model.ValidateToken(r.webhookToken); err != nil {
		return r, fmt.Errorf("webhook_token: %w", err)
	}
	switch r.webhookToken {
	case d.WebhookToken:
		return r, errors.New("webhook_token: is the current webhook token: keep it, or choose a new one")
	case d.InjectionToken, d.RetiredInjectionToken:
		return r, errors.New("webhook_token: must differ from injection_token: a leaked webhook secret would then also let anyone inject mail; generate a new one")
	}
	return r, nil
}

// afterApply is what runs once the files are written: the new webhook
// token kept aside for the app (nil without a webhook rotation).
func (r tokenRotation) afterApply(l writer.Layout) func(context.Context) error {
	if !r.webhook {
		return nil
	}
	tok := r.webhookToken
	return func(ctx context.Context) error {
		if err := writer.StartWebhookRotation(ctx, l, tok); err != nil {
			return fmt.Errorf("the files are written, but the new webhook token could not be kept aside (kumod keeps sending the current one; kumoup rotate webhook starts again): %w", err)
		}
		return nil
	}
}

// rotationReviewLines say, on the review, what the token page's rotation
// does: which token nginx accepts until when, and when kumod switches.
func rotationReviewLines(pm planMsg, st *Styles, width int) []string {
	var out []string
	add := func(s string) {
		for _, l := range wrapLines(s, max(width, 20)) {
			out = append(out, st.Warn.Render(l))
		}
	}
	d := pm.d
	if pm.rot.injection && d.Rotating() {
		add(fmt.Sprintf("%s Injection token rotation: nginx accepts the new token %s and the old one %s; old token accepted until %s (token_grace %s). Give the app the new token, then finish: kumoup rotate injection --finish, or the dashboard's t.",
			glyphChanged, model.Fingerprint(d.InjectionToken), model.Fingerprint(d.RetiredInjectionToken), d.RetiredUntil().UTC().Format("2006-01-02 15:04 MST"), graceText(d)))
	}
	if !pm.rot.injection && d.Rotating() {
		add(fmt.Sprintf("%s Injection token: %s (%s, kept as it is); kumoup rotate injection --finish, or the dashboard's t, ends it.",
			glyphChanged, d.RotationStatus(), model.Fingerprint(d.RetiredInjectionToken)))
	}
	if pm.rot.webhook {
		add(fmt.Sprintf("%s Webhook token rotation: the new token %s is kept aside in %s; kumod keeps sending %s until, after the files, you confirm that the app accepts the new one.",
			glyphChanged, model.Fingerprint(pm.rot.webhookToken), writer.PendingWebhookPath, model.Fingerprint(d.WebhookToken)))
	}
	return out
}

// rotationQuestion is the review's question with a webhook rotation.
func (r review) rotationQuestion() string {
	if n := r.msg.plan.Changed(); n > 0 || len(r.msg.plan.Leftovers) > 0 {
		return fmt.Sprintf("Write %d file(s) and keep the new webhook token aside? enter: write · esc: change the answers", n)
	}
	return "Every file is already as rendered. enter: keep the new webhook token aside · esc: change the answers"
}

// screenTokenRotation is the rotation pane in the setup, after the files:
// the new webhook token for the app, then the switch of kumod.
const screenTokenRotation screen = "rotation"

// setupRotation shows the dashboard's rotation pane in the setup flow.
type setupRotation struct {
	r      *rotation
	st     *Styles
	keys   *KeyMap
	width  int
	height int
}

// openWebhookRotation opens the rotation pane once the files are written,
// when the token page started a webhook rotation: the new token shown
// masked (v reveals, c copies) and the switch of kumod selected. It
// reports whether it opened (or showed again) the pane.
func (m *Model) openWebhookRotation() bool {
	rv := m.reviewScreen()
	if rv == nil || !rv.msg.rot.webhook {
		return false
	}
	if _, ok := m.screens[screenTokenRotation]; ok {
		m.goTo(screenTokenRotation)
		return true
	}
	r := newRotation(m.opt.Layout, m.opt.now)
	r.home, r.leave = screenTokenRotation, "on to the connection values"
	// What was just written: no need to read it back before the first step.
	r.loaded, r.d, r.pending, r.since = true, m.deployment, true, m.opt.now()
	r.token, r.label = rv.msg.rot.webhookToken, "New webhook token"
	r.status = "Kept aside: kumod still sends " + model.Fingerprint(m.deployment.WebhookToken) + ". Give the app the new token; once it accepts it, press enter twice to switch kumod."
	r.selected = int(stepConfirmWebhook)
	m.open(screenTokenRotation, &setupRotation{r: r, st: m.st, keys: m.keys})
	return true
}

func (s *setupRotation) SetSize(w, h int) { s.width, s.height = w, h }

func (s *setupRotation) Title() (string, string) { return "Setup", "new webhook token for the app" }

func (s *setupRotation) ShortHelp() []key.Binding {
	k := s.keys.Connection
	run, back := k.Continue, k.Back
	run.SetHelp("enter", "run")
	back.SetHelp("esc", "connection values")
	return []key.Binding{k.Reveal, k.Copy, run, back, s.keys.Global.QuitQ}
}

func (s *setupRotation) FullHelp() [][]key.Binding {
	k := s.keys.Connection
	return [][]key.Binding{{k.Up, k.Down, k.Continue}, {k.Reveal, k.Copy}, {k.Back, s.keys.Global.QuitQ}}
}

func (s *setupRotation) View() string { return s.r.View(s.st, s.width) }

// Update runs the pane; esc goes on to the connection values, with the
// deployment as the steps left it on disk.
func (s *setupRotation) Update(m *Model, msg tea.Msg) tea.Cmd {
	cmd, took, leave := s.r.update(m.ctx, s.keys, msg)
	switch {
	case leave:
		if s.r.changed && s.r.loaded {
			m.deployment = s.r.d
		}
		m.openConnection()
		return nil
	case !took:
		if km, ok := msg.(tea.KeyPressMsg); ok && key.Matches(km, s.keys.Global.QuitQ) {
			return m.quit(false)
		}
	}
	return cmd
}
