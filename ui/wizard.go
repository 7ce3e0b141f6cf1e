package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
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
	pageProxyHost // the KumoProxy host's own page (see proxyhost.go)
	// pageInjectionGrace follows the injection token's pages when they
	// rotate it: how long the old token stays accepted (token_grace).
	pageInjectionGrace
	numPages
)

var pageTitles = [numPages]string{
	pageHost:           "MTA host",
	pageInjection:      "injection token",
	pageInjectionPaste: "injection token",
	pageWebhook:        "app webhook",
	pageWebhookPaste:   "app webhook",
	pageProxy:          "KumoProxy egress",
	pageProxyHost:      "KumoProxy host",
	pageInjectionGrace: "injection token",
}

// stepOf numbers the pages as the operator sees them (paste pages share
// their parent's number).
var stepOf = [numPages]int{
	pageHost: 1, pageInjection: 2, pageInjectionPaste: 2, pageInjectionGrace: 2,
	pageWebhook: 3, pageWebhookPaste: 3, pageProxy: 4, pageProxyHost: 1,
}

// wizard holds the draft answers and the form of the current page. The
// form's fields are bound to the draft by pointer, so going back and forth
// keeps every value.
type wizard struct {
	d                              model.Deployment
	certPath, keyPath              string        // "" means derived from the domain
	certs                          writer.Layout // where the derived paths are: the demo's pretend host, else /
	port                           string
	injectionChoice, webhookChoice tokenChoice
	injectionPaste, webhookPaste   string
	grace                          string // token_grace as typed, for an injection rotation (see tokenGrace)
	hasInjection, hasWebhook       bool   // the prefill holds valid tokens
	pages                          []page // the flow: mtaPages or proxyPages
	proxy                          proxyDraft
	now                            func() time.Time // when a rotation retires a token (nil: time.Now)

	page          page
	form          *huh.Form
	group         *huh.Group              // the form's one group, measured by SetSize
	certIn, keyIn *huh.Input              // the host page's certificate fields
	fits          []fittedText            // the page's titles and descriptions, wrapped by the wizard (wizard_fit.go)
	bg            *tea.BackgroundColorMsg // forwarded to each new form
	st            *Styles
	keys          *KeyMap
	width, height int
	done          bool
	// compact drops the blank line above the warnings: the page and its
	// warnings would not fit with it (set by SetSize).
	compact bool
	// laidOut is layoutKey when the page was last laid out: a key that
	// changes none of it (most typed characters) skips the layout, which
	// renders the whole page once more.
	laidOut string
}

// screenWizard is the answers, one huh form per page.
const screenWizard screen = "wizard"

// wizardScreen is the wizard (nil until it opened).
func (m *Model) wizardScreen() *wizard { w, _ := m.screens[screenWizard].(*wizard); return w }

// newWizard starts the wizard from prefill (nil: the defaults).
func newWizard(prefill *model.Deployment, st *Styles, keys *KeyMap) *wizard {
	return newWizardFor(prefill, writer.Layout{}, st, keys)
}

// newWizardFor is newWizard with the certificate paths derived from the
// name under certs (the demo's pretend host, where its certbot stand-in
// leaves them).
func newWizardFor(prefill *model.Deployment, certs writer.Layout, st *Styles, keys *KeyMap) *wizard {
	w := &wizard{st: st, keys: keys, pages: mtaPages, certs: certs}
	if prefill != nil {
		w.d = *prefill
	}
	w.d = w.d.WithDefaults()
	if prefill != nil && prefill.TLSCertificate == "" {
		// WithDefaults filled in the path under /.
		w.d.TLSCertificate = w.derivedCert(w.d.Domain)
	}
	if prefill != nil && prefill.TLSCertificateKey == "" {
		w.d.TLSCertificateKey = w.derivedKey(w.d.Domain)
	}
	if w.d.TLSCertificate == w.derivedCert(w.d.Domain) {
		w.certPath = ""
	} else {
		w.certPath = w.d.TLSCertificate
	}
	if w.d.TLSCertificateKey == w.derivedKey(w.d.Domain) {
		w.keyPath = ""
	} else {
		w.keyPath = w.d.TLSCertificateKey
	}
	w.port = strconv.Itoa(w.d.ProxyPort)
	w.hasInjection = w.d.InjectionToken != "" && model.ValidateToken(w.d.InjectionToken) == nil
	w.hasWebhook = w.d.WebhookToken != "" && model.ValidateToken(w.d.WebhookToken) == nil
	if w.hasInjection {
		w.injectionChoice = tokenKeep
	}
	w.grace = graceText(w.d)
	if w.hasWebhook {
		w.webhookChoice = tokenKeep
	}
	return w
}

// visible reports whether p is part of the flow given the choices so far.
func (w *wizard) visible(p page) bool {
	switch p {
	case pageInjectionPaste:
		return w.injectionChoice == tokenPaste
	case pageWebhookPaste:
		return w.webhookChoice == tokenPaste
	case pageInjectionGrace:
		return w.rotatesInjection()
	}
	return true
}

func (w *wizard) stepLabel() string {
	steps := 0
	for _, p := range w.pages {
		steps = max(steps, stepOf[p])
	}
	return fmt.Sprintf("step %d of %d · %s", stepOf[w.page], steps, pageTitles[w.page])
}

// pageIndex is the position of the current page in the flow.
func (w *wizard) pageIndex() int {
	for i, p := range w.pages {
		if p == w.page {
			return i
		}
	}
	return 0
}

// show builds the form of page p and focuses it.
func (w *wizard) show(p page) tea.Cmd {
	w.page = p
	// Enter on a page's last field goes on: say where, not huh's "submit".
	then := "next page"
	if w.lastPage(p) {
		then = "review the files"
	}
	km := w.keys.Form(then)
	w.fits = nil
	w.group = huh.NewGroup(w.fields(p)...)
	w.form = huh.NewForm(w.group).
		WithTheme(w.st.Huh).
		WithShowHelp(false).
		WithShowErrors(false). // errorsView wraps them at spaces
		WithKeyMap(km)
	w.SetSize(w.width, w.height)
	if w.bg != nil {
		w.form.Update(*w.bg)
	}
	return w.form.Init()
}

// lastPage reports whether p is the last page of the flow.
func (w *wizard) lastPage(p page) bool { return len(w.pages) > 0 && w.pages[len(w.pages)-1] == p }

// next moves to the following visible page, or ends the wizard.
func (w *wizard) next() tea.Cmd {
	w.finishPage(w.page)
	for _, p := range w.pages[w.pageIndex()+1:] {
		if w.visible(p) {
			return w.show(p)
		}
	}
	w.done = true
	return nil
}

// prev moves to the previous visible page; false on the first page.
func (w *wizard) prev() (tea.Cmd, bool) {
	for i := w.pageIndex() - 1; i >= 0; i-- {
		if p := w.pages[i]; w.visible(p) {
			return w.show(p), true
		}
	}
	return nil, false
}

// finishPage copies derived values into the draft.
func (w *wizard) finishPage(p page) {
	switch p {
	case pageHost:
		w.d.TLSCertificate = orDerived(w.certPath, w.derivedCert(w.d.Domain))
		w.d.TLSCertificateKey = orDerived(w.keyPath, w.derivedKey(w.d.Domain))
	case pageProxy:
		if n, err := strconv.Atoi(strings.TrimSpace(w.port)); err == nil {
			w.d.ProxyPort = n
		}
	case pageProxyHost:
		w.finishProxyHost()
	}
}

// derivedCert and derivedKey are Let's Encrypt's paths for domain, under
// w.certs.
func (w *wizard) derivedCert(domain string) string {
	return w.certs.Path(model.CertificatePath(domain))
}

func (w *wizard) derivedKey(domain string) string {
	return w.certs.Path(model.CertificateKeyPath(domain))
}

func orDerived(v, derived string) string {
	if strings.TrimSpace(v) == "" {
		return derived
	}
	return strings.TrimSpace(v)
}

// answers returns the draft, tokens still to generate marked empty, and
// which tokens must be generated. On a deployment that has its tokens, a
// new one is a rotation (see tokenRotation): the draft keeps the current
// injection token as the retired one, and the current webhook token, which
// kumod sends until the app accepts the new one.
func (w *wizard) answers() (d model.Deployment, genInj, genHook bool) {
	d = w.d
	switch w.injectionChoice {
	case tokenPaste:
		d.InjectionToken = w.injectionPaste
	case tokenGenerate:
		d.InjectionToken, genInj = "", true
	}
	if w.rotatesInjection() {
		rotated, err := w.d.RotateInjection(d.InjectionToken, w.clock())
		if err != nil {
			// Refused (the page said why and did not let it through):
			// nothing replaces the token.
			rotated, genInj = w.d, false
		} else {
			rotated.TokenGrace = w.tokenGrace()
		}
		rotated.WebhookToken = d.WebhookToken
		d = rotated
	}
	switch w.webhookChoice {
	case tokenPaste:
		d.WebhookToken = w.webhookPaste
	case tokenGenerate:
		d.WebhookToken, genHook = "", true
	}
	if w.rotatesWebhook() {
		d.WebhookToken, genHook = w.d.WebhookToken, false
	}
	return d, genInj, genHook
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
	if w.page == pageProxyHost {
		out = append(out, w.proxyWarnings()...)
	}
	return out
}

// SetSize fits the form to the body.
func (w *wizard) SetSize(width, height int) {
	w.width, w.height = width, height
	if w.form == nil {
		return
	}
	w.fitTexts()
	w.form.WithWidth(w.formWidth())
	// huh sizes a group once, from its fields before the width is known:
	// a long prefilled value that wraps at this width (the demo's
	// certificate paths at 80 columns) would push the page's last field
	// out. Measure the page as it renders now, and give it that much, up
	// to the room left above the warnings.
	// Warnings under a page that would not fit with them lose their blank
	// line first: the page's fields, titles included, come before it.
	page := w.pageHeight()
	w.compact = false
	under := w.errorsHeight() + w.warningsHeight()
	if page+under > height {
		w.compact = true
		under = w.errorsHeight() + w.warningsHeight()
	}
	w.form.WithHeight(max(min(page, height-under), 3))
	// huh draws a group from what it laid out at its last message: tell
	// it the size, or a resized window shows the page as it was (a Select
	// page, with no cursor to blink, until the next key).
	w.form.Update(tea.WindowSizeMsg{Width: w.formWidth(), Height: height})
	w.laidOut = w.layoutKey()
}

// pageHeight is the current page's full height at the form's width: its
// fields, and its header and footer (validation errors) when shown.
func (w *wizard) pageHeight() int {
	h := lipgloss.Height(w.group.Content())
	for _, s := range []string{w.group.Header(), w.group.Footer()} {
		if s != "" {
			h += lipgloss.Height(s)
		}
	}
	return h
}

// updateForm forwards msg to the form and advances when it completes.
func (w *wizard) updateForm(msg tea.Msg) tea.Cmd {
	f, cmd := w.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		w.form = ff
	}
	if w.page == pageHost {
		w.refreshPlaceholders()
	}
	if w.form.State == huh.StateCompleted {
		return tea.Batch(cmd, w.next())
	}
	return cmd
}

// ShortHelp is the focused huh field's own bindings (they change with the
// field), then going back a page and quitting.
func (w *wizard) ShortHelp() []key.Binding {
	var field []key.Binding
	if w.form != nil {
		field = w.form.KeyBinds()
	}
	return append(field, w.keys.Wizard.Back, w.keys.Global.Quit)
}

func (w *wizard) FullHelp() [][]key.Binding { return [][]key.Binding{w.ShortHelp()} }

// typing: every page has a text field or a select; ? and q are text.
func (w *wizard) typing() bool { return true }

func (w *wizard) Title() (string, string) {
	h := writer.HostMTA
	if w.lastPage(pageProxyHost) {
		h = writer.HostProxy
	}
	return flowTitle(h), w.stepLabel()
}

func (w *wizard) warningsView() string {
	var lines []string
	for _, s := range w.warnings() {
		lines = append(lines, w.st.Warn.Render(wrapText(glyphWarn+" "+s, w.width)))
	}
	return w.underForm(lines)
}

// View renders the current page and its warnings.
func (w *wizard) View() string {
	if w.form == nil {
		return ""
	}
	return w.form.View() + w.errorsView() + w.warningsView()
}

// startWizard opens the wizard where it was left (its first page the
// first time).
func (m *Model) startWizard() tea.Cmd {
	w := m.wizardScreen()
	if w == nil {
		var certs writer.Layout
		if m.opt.Demo {
			// The demo's certbot stand-in leaves certificates in its
			// pretend host.
			certs = m.opt.Layout
		}
		w = newWizardFor(m.opt.Prefill, certs, m.st, m.keys)
		w.bg, w.now = m.bg, m.opt.now
		if m.host == writer.HostProxy {
			w.forProxyHost()
		}
	}
	w.done = false
	m.open(screenWizard, w)
	return w.show(w.page)
}

// Update goes back a page on esc, else lets the form take msg; once the
// last page is done the files are prepared.
func (w *wizard) Update(m *Model, msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, w.keys.Wizard.Back) {
		cmd, ok := w.prev()
		if !ok {
			m.goTo(screenPreflight)
		}
		return cmd
	}
	cmd := w.updateForm(msg)
	if w.done {
		m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
		return tea.Batch(cmd, m.prepareAnswers(w))
	}
	if k := w.layoutKey(); k != w.laidOut {
		m.relayout() // the help line follows the focused field
	}
	return cmd
}

// layoutKey is what the page's layout depends on: the focused field (its
// help), how many lines its value may take, the warnings and the errors.
func (w *wizard) layoutKey() string {
	if w.form == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(w.page)))
	if f := w.form.GetFocusedField(); f != nil {
		b.WriteString("|" + f.GetKey())
		if v, ok := f.GetValue().(string); ok {
			b.WriteString("|" + strconv.Itoa(len(v)/max(w.width/2, 1)))
		}
	}
	for _, err := range w.form.Errors() {
		b.WriteString("|" + err.Error())
	}
	if w.page == pageHost {
		// The certificate fields' descriptions follow the name.
		tw := w.fieldTextWidth()
		b.WriteString("|" + strconv.Itoa(len(wrapLines(w.pathDescription(w.certPath, w.derivedCert), tw))))
		b.WriteString("|" + strconv.Itoa(len(wrapLines(w.pathDescription(w.keyPath, w.derivedKey), tw))))
	}
	b.WriteString("|" + strings.Join(w.warnings(), "\n"))
	return b.String()
}
