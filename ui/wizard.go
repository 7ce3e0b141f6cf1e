package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/model"
)

// tokenChoice is how a token is obtained.
type tokenChoice int

const (
	tokenGenerate tokenChoice = iota // 256 bits from crypto/rand (the default)
	tokenKeep                        // the one already deployed
	tokenPaste                       // typed or pasted, masked
)

// page is one page of the wizard: one huh form with one group.
type page int

const (
	pageHost page = iota
	pageInjection
	pageInjectionPaste
	pageWebhook
	pageWebhookPaste
	pageProxy
	numPages
)

var pageTitles = [numPages]string{
	pageHost:           "MTA host",
	pageInjection:      "injection token",
	pageInjectionPaste: "injection token",
	pageWebhook:        "app webhook",
	pageWebhookPaste:   "app webhook",
	pageProxy:          "KumoProxy egress",
}

// stepOf numbers the pages as the operator sees them (paste pages share
// their parent's number).
var stepOf = [numPages]int{1, 2, 2, 3, 3, 4}

const numSteps = 4

// wizard holds the draft answers and the form of the current page. The
// form's fields are bound to the draft by pointer, so going back and forth
// keeps every value.
type wizard struct {
	d                     model.Deployment
	certPath, keyPath     string // "" means derived from the domain
	port                  string
	injChoice, hookChoice tokenChoice
	injPaste, hookPaste   string
	hasInj, hasHook       bool // the prefill holds valid tokens

	page          page
	form          *huh.Form
	bg            *tea.BackgroundColorMsg // forwarded to each new form
	st            *Styles
	width, height int
	done          bool
}

// newWizard starts the wizard from prefill (nil: the defaults).
func newWizard(prefill *model.Deployment, st *Styles) *wizard {
	w := &wizard{st: st}
	if prefill != nil {
		w.d = *prefill
	}
	w.d = w.d.WithDefaults()
	if w.d.TLSCertificate == model.CertificatePath(w.d.Domain) {
		w.certPath = ""
	} else {
		w.certPath = w.d.TLSCertificate
	}
	if w.d.TLSCertificateKey == model.CertificateKeyPath(w.d.Domain) {
		w.keyPath = ""
	} else {
		w.keyPath = w.d.TLSCertificateKey
	}
	w.port = strconv.Itoa(w.d.ProxyPort)
	w.hasInj = w.d.InjectionToken != "" && model.ValidateToken(w.d.InjectionToken) == nil
	w.hasHook = w.d.WebhookToken != "" && model.ValidateToken(w.d.WebhookToken) == nil
	if w.hasInj {
		w.injChoice = tokenKeep
	}
	if w.hasHook {
		w.hookChoice = tokenKeep
	}
	return w
}

// visible reports whether p is part of the flow given the choices so far.
func (w *wizard) visible(p page) bool {
	switch p {
	case pageInjectionPaste:
		return w.injChoice == tokenPaste
	case pageWebhookPaste:
		return w.hookChoice == tokenPaste
	}
	return true
}

func (w *wizard) stepLabel() string {
	return fmt.Sprintf("step %d of %d · %s", stepOf[w.page], numSteps, pageTitles[w.page])
}

// show builds the form of page p and focuses it.
func (w *wizard) show(p page) tea.Cmd {
	w.page = p
	w.form = huh.NewForm(huh.NewGroup(w.fields(p)...)).
		WithTheme(w.st.Huh).
		WithShowHelp(false).
		WithShowErrors(true).
		WithKeyMap(formKeyMap())
	w.SetSize(w.width, w.height)
	if w.bg != nil {
		w.form.Update(*w.bg)
	}
	return w.form.Init()
}

// formKeyMap is huh's default keymap without its own quit binding: the
// top-level model handles ctrl+c.
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithDisabled())
	return km
}

// next moves to the following visible page, or ends the wizard.
func (w *wizard) next() tea.Cmd {
	w.finishPage(w.page)
	for p := w.page + 1; p < numPages; p++ {
		if w.visible(p) {
			return w.show(p)
		}
	}
	w.done = true
	return nil
}

// prev moves to the previous visible page; false on the first page.
func (w *wizard) prev() (tea.Cmd, bool) {
	for p := w.page - 1; p >= 0; p-- {
		if w.visible(p) {
			return w.show(p), true
		}
	}
	return nil, false
}

// finishPage copies derived values into the draft.
func (w *wizard) finishPage(p page) {
	switch p {
	case pageHost:
		w.d.TLSCertificate = orDerived(w.certPath, model.CertificatePath(w.d.Domain))
		w.d.TLSCertificateKey = orDerived(w.keyPath, model.CertificateKeyPath(w.d.Domain))
	case pageProxy:
		if n, err := strconv.Atoi(strings.TrimSpace(w.port)); err == nil {
			w.d.ProxyPort = n
		}
	}
}

func orDerived(v, derived string) string {
	if strings.TrimSpace(v) == "" {
		return derived
	}
	return strings.TrimSpace(v)
}

// answers returns the draft, tokens still to generate marked empty, and
// which tokens must be generated.
func (w *wizard) answers() (d model.Deployment, genInj, genHook bool) {
	d = w.d
	switch w.injChoice {
	case tokenPaste:
		d.InjectionToken = w.injPaste
	case tokenGenerate:
		d.InjectionToken, genInj = "", true
	}
	switch w.hookChoice {
	case tokenPaste:
		d.WebhookToken = w.hookPaste
	case tokenGenerate:
		d.WebhookToken, genHook = "", true
	}
	return d, genInj, genHook
}

// checked wraps a model validator: the inline message is the same as the
// answers file's ("field: message").
func checked(field string, validate func(string) error) func(string) error {
	return func(s string) error {
		if err := validate(s); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		return nil
	}
}

func ignoreWarning(f func(string) (error, error)) func(string) error {
	return func(s string) error {
		_, err := f(s)
		return err
	}
}

func optionalPath(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return model.ValidateAbsPath(strings.TrimSpace(s))
}

func validatePortText(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a number: use a port from 1 to 65535 (KumoProxy's default is %d)", s, model.DefaultProxyPort)
	}
	return model.ValidatePort(n)
}

func (w *wizard) tokenOptions(has bool, current string) []huh.Option[tokenChoice] {
	gen := huh.NewOption("Generate a new token (256 bits)", tokenGenerate)
	paste := huh.NewOption("Paste a token (input is masked)", tokenPaste)
	if has {
		keep := huh.NewOption("Keep the current token ("+model.Fingerprint(current)+")", tokenKeep)
		return []huh.Option[tokenChoice]{keep, gen, paste}
	}
	return []huh.Option[tokenChoice]{gen, paste}
}

func (w *wizard) fields(p page) []huh.Field {
	domain := func() string {
		if model.ValidateDomain(w.d.Domain) != nil {
			return "<name>"
		}
		return w.d.Domain
	}
	switch p {
	case pageHost:
		return []huh.Field{
			huh.NewInput().Key("domain").Title("Public name of the MTA host").
				Description("the HTTPS name your app connects to, e.g. mta.example.com").
				Value(&w.d.Domain).Validate(checked("domain", model.ValidateDomain)),
			huh.NewInput().Key("tls_certificate").Title("TLS certificate").
				Description("empty: Let's Encrypt's path for the name").
				Placeholder(model.CertificatePath(domain())).
				PlaceholderFunc(func() string { return model.CertificatePath(domain()) }, &w.d.Domain).
				Value(&w.certPath).Validate(checked("tls_certificate", optionalPath)),
			huh.NewInput().Key("tls_certificate_key").Title("TLS private key").
				Description("empty: Let's Encrypt's path for the name").
				Placeholder(model.CertificateKeyPath(domain())).
				PlaceholderFunc(func() string { return model.CertificateKeyPath(domain()) }, &w.d.Domain).
				Value(&w.keyPath).Validate(checked("tls_certificate_key", optionalPath)),
			huh.NewInput().Key("max_body").Title("Largest injection body").
				Description("nginx size syntax; kumod's request_body_limit is set equal").
				Value(&w.d.MaxBody).Validate(checked("max_body", func(s string) error { _, err := model.ParseSize(s); return err })),
		}
	case pageInjection:
		return []huh.Field{
			huh.NewSelect[tokenChoice]().Key("injection_choice").Title("Injection token").
				Description("the bearer token your app sends to this host (inject and metrics)").
				Options(w.tokenOptions(w.hasInj, w.d.InjectionToken)...).Value(&w.injChoice),
		}
	case pageInjectionPaste:
		return []huh.Field{
			huh.NewInput().Key("injection_token").Title("Paste the injection token").
				Description(fmt.Sprintf("at least %d characters of A-Z a-z 0-9 - . _ ~ + /; never shown", model.MinTokenLength)).
				EchoMode(huh.EchoModePassword).Value(&w.injPaste).
				Validate(checked("injection_token", model.ValidateToken)),
		}
	case pageWebhook:
		return []huh.Field{
			huh.NewInput().Key("webhook_url").Title("App webhook URL").
				Description("the app's https endpoint for delivery events").
				Placeholder("https://app.example.com/webhooks/kumomta").
				Value(&w.d.WebhookURL).Validate(checked("webhook_url", model.ValidateWebhookURL)),
			huh.NewSelect[tokenChoice]().Key("webhook_choice").Title("Webhook token").
				Description("the bearer secret kumod sends with each event").
				Options(w.tokenOptions(w.hasHook, w.d.WebhookToken)...).Value(&w.hookChoice),
		}
	case pageWebhookPaste:
		return []huh.Field{
			huh.NewInput().Key("webhook_token").Title("Paste the webhook token").
				Description(fmt.Sprintf("at least %d characters; must differ from the injection token; never shown", model.MinTokenLength)).
				EchoMode(huh.EchoModePassword).Value(&w.hookPaste).
				Validate(checked("webhook_token", w.validateWebhookPaste)),
		}
	case pageProxy:
		return []huh.Field{
			huh.NewInput().Key("proxy_host").Title("KumoProxy host").
				Description("the proxy's private IP address (SOCKS5)").
				Value(&w.d.ProxyHost).Validate(checked("proxy_host", ignoreWarning(model.ValidateProxyHost))),
			huh.NewInput().Key("proxy_port").Title("KumoProxy port").
				Value(&w.port).Validate(checked("proxy_port", validatePortText)),
			huh.NewInput().Key("proxy_public_ip").Title("Public egress IP").
				Description("the address recipients see").
				Value(&w.d.ProxyPublicIP).Validate(checked("proxy_public_ip", ignoreWarning(model.ValidatePublicIP))),
			huh.NewInput().Key("helo").Title("HELO name").
				Description("the EHLO name kumod announces through the proxy").
				Value(&w.d.HELO).Validate(checked("helo", model.ValidateHostname)),
		}
	}
	return nil
}

func (w *wizard) validateWebhookPaste(s string) error {
	if err := model.ValidateToken(s); err != nil {
		return err
	}
	inj, _, _ := w.answers()
	if inj.InjectionToken != "" && s == inj.InjectionToken {
		return fmt.Errorf("must differ from injection_token: a leaked webhook secret would then also let anyone inject mail; generate a new one")
	}
	return nil
}

// warnings are the model's non-blocking warnings for the current page,
// computed from the live draft.
func (w *wizard) warnings() []string {
	var out []string
	add := func(field string, warn error) {
		if warn != nil {
			out = append(out, field+": "+warn.Error())
		}
	}
	if w.page == pageProxy {
		warn, _ := model.ValidateProxyHost(w.d.ProxyHost)
		add("proxy_host", warn)
		warn, _ = model.ValidatePublicIP(w.d.ProxyPublicIP)
		add("proxy_public_ip", warn)
	}
	return out
}

// SetSize fits the form to the body.
func (w *wizard) SetSize(width, height int) {
	w.width, w.height = width, height
	if w.form == nil {
		return
	}
	w.form.WithWidth(min(width, 100))
	avail := height - lipgloss.Height(w.warningsView())
	if lipgloss.Height(w.form.View()) > avail {
		w.form.WithHeight(max(avail, 3))
	}
}

// Update forwards msg to the form and advances when it completes.
func (w *wizard) Update(msg tea.Msg) tea.Cmd {
	f, cmd := w.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		w.form = ff
	}
	if w.form.State == huh.StateCompleted {
		return tea.Batch(cmd, w.next())
	}
	return cmd
}

func (w *wizard) keyMap(k KeyMap) help.KeyMap {
	var short []key.Binding
	if w.form != nil {
		short = append(short, w.form.KeyBinds()...)
	}
	back := k.Back
	back.SetHelp("esc", "previous page")
	return bindings{short: append(short, back, k.Quit)}
}

func (w *wizard) warningsView() string {
	ws := w.warnings()
	if len(ws) == 0 {
		return ""
	}
	var b strings.Builder
	for _, s := range ws {
		b.WriteString("\n" + w.st.Warn.Render(wrapText(glyphWarn+" "+s, w.width)))
	}
	return b.String()
}

// View renders the current page and its warnings.
func (w *wizard) View() string {
	if w.form == nil {
		return ""
	}
	return w.form.View() + w.warningsView()
}

func (m Model) startWizard() (tea.Model, tea.Cmd) {
	if m.wiz == nil {
		m.wiz = newWizard(m.opt.Prefill, m.st)
		m.wiz.bg = m.bg
	}
	m.wiz.done = false
	m.goTo(screenWizard)
	return m, m.wiz.show(m.wiz.page)
}

func (m Model) updateWizard(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.keys.Back) {
		cmd, ok := m.wiz.prev()
		if !ok {
			m.goTo(screenPreflight)
		}
		return m, cmd
	}
	cmd := m.wiz.Update(msg)
	if m.wiz.done {
		m.goTo(screenPlanning)
		d, genInj, genHook := m.wiz.answers()
		return m, tea.Batch(cmd, prepareCmd(m.ctx, m.opt, d, genInj, genHook))
	}
	m.setSize(m.width, m.height) // the help line follows the focused field
	return m, cmd
}
