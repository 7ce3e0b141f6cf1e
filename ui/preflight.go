package ui

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// KumodPath is where the KumoMTA package installs kumod.
const KumodPath = "/opt/kumomta/sbin/kumod"

// hostFacts is what the preflight screen reports, sensed by a command.
type hostFacts struct {
	Sensed bool
	Root   bool
	Nginx  string // path of nginx, "" when not found
	Kumod  string // path of kumod, "" when not found
	// ProxyServer is the path of KumoProxy's proxy-server, "" when not
	// found (the KumoProxy host's preflight).
	ProxyServer string
	// Cert is the certificate status of the prefilled domain (zero when
	// there is no domain yet).
	Cert certStatus
}

// certStatus says whether a deployment's certificate files exist.
type certStatus struct {
	Checked         bool
	Domain, Webroot string
	Cert, Key       string
	CertOK, KeyOK   bool
	// Layout is where the deployment is written (for the command).
	Layout writer.Layout
	// Certbot is set when certbot is installed.
	Certbot bool
}

// Missing reports whether a checked certificate file is missing.
func (c certStatus) Missing() bool { return c.Checked && !(c.CertOK && c.KeyOK) }

// CertbotCommand is the command that obtains the certificate through the
// ACME webroot nginx serves (certbot --webroot, run by kumoup cert).
func (c certStatus) CertbotCommand() string {
	return writer.CertCommand(c.Layout)
}

type hostFactsMsg hostFacts

func (hostFactsMsg) route() screen { return screenPreflight }

// screenPreflight is the wizard's first screen: what kumoup found on the host.
const screenPreflight screen = "preflight"

// senseHost looks at the machine: root, nginx, kumod, certificates.
func senseHost(_ context.Context, opt Options) hostFacts {
	f := hostFacts{Sensed: true, Root: os.Geteuid() == 0}
	if p, err := exec.LookPath("nginx"); err == nil {
		f.Nginx = p
	} else {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				f.Nginx = p
				break
			}
		}
	}
	if fi, err := os.Stat(KumodPath); err == nil && !fi.IsDir() {
		f.Kumod = KumodPath
	}
	if fi, err := os.Stat(writer.ProxyServerBinary); err == nil && !fi.IsDir() {
		f.ProxyServer = writer.ProxyServerBinary
	}
	if opt.Prefill != nil && opt.Start != StartProxyWizard {
		f.Cert = checkCert(opt.Prefill.WithDefaults(), opt.Layout)
	}
	return f
}

// checkCert stats d's certificate files (I/O: call it from a command).
func checkCert(d model.Deployment, l writer.Layout) certStatus {
	if d.Domain == "" {
		return certStatus{}
	}
	c := certStatus{Checked: true, Domain: d.Domain, Webroot: d.ACMEWebroot, Cert: d.TLSCertificate, Key: d.TLSCertificateKey, Layout: l}
	exists := func(p string) bool {
		_, err := os.Stat(p)
		return err == nil || !errors.Is(err, fs.ErrNotExist)
	}
	c.CertOK, c.KeyOK = exists(c.Cert), exists(c.Key)
	_, err := acme.FindCertbot("")
	c.Certbot = err == nil
	return c
}

func senseHostCmd(ctx context.Context, opt Options) tea.Cmd {
	return func() tea.Msg { return hostFactsMsg(opt.senseHost(ctx, opt)) }
}

// preflight is the first wizard screen.
type preflight struct {
	facts         hostFacts
	kumodNote     string // Options.KumodNote
	prefilled     bool
	prefillSource string
	layoutRoot    string
	proxy         bool // the KumoProxy host's preflight (see preflight_proxy.go)
	width         int
	st            *Styles
	keys          *KeyMap
}

func newPreflight(opt Options, proxy bool, st *Styles, k *KeyMap) *preflight {
	root := opt.Layout.Root
	if root == "/" {
		root = ""
	}
	return &preflight{prefilled: opt.Prefill != nil, prefillSource: opt.PrefillSource, layoutRoot: root, kumodNote: opt.KumodNote, proxy: proxy, st: st, keys: k}
}

// preflightScreen is the preflight screen (nil when the UI started elsewhere).
func (m *Model) preflightScreen() *preflight {
	p, _ := m.screens[screenPreflight].(*preflight)
	return p
}

func (p *preflight) SetSize(w, _ int) { p.width = w }

func (p *preflight) Title() (string, string) {
	h := writer.HostMTA
	if p.proxy {
		h = writer.HostProxy
	}
	return flowTitle(h), "preflight"
}

func (p *preflight) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Preflight.Start, p.keys.Global.Quit}
}

func (p *preflight) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *preflight) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case hostFactsMsg:
		p.facts = hostFacts(msg)
	case tea.KeyPressMsg:
		if key.Matches(msg, p.keys.Preflight.Start) && p.facts.Sensed {
			return m.startWizard()
		}
	}
	return nil
}

// factWriter returns the function that writes one fact to b: its glyph
// and its text wrapped to the screen, then detail lines indented under it.
func (p preflight) factWriter(b *strings.Builder) func(glyph, text string, more ...string) {
	return func(glyph, text string, more ...string) {
		for i, l := range wrapLines(text, max(p.width-2, 20)) {
			if i == 0 {
				b.WriteString(glyph + " " + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
		for _, l := range more {
			// Styled text, wrapped at spaces only: a command or a path
			// is never broken, a longer one overflows whole.
			for _, w := range strings.Split(ansi.Wordwrap(l, max(p.width-4, 20), ""), "\n") {
				b.WriteString("    " + w + "\n")
			}
		}
	}
}

// underRoot writes the fact of a run under --root (or the demo's pretend
// host): where the files go, and whether they are given to root.
// whoLine writes the first fact: where the files go and who owns them, or
// whether this run can write at all. The KumoProxy host's wording differs.
func (p preflight) whoLine(st *Styles, line func(glyph, text string, more ...string)) {
	sudo, can, pages, save := "sudo kumoup", "kumoup can write the files and run the next steps", "every page", "sudo kumoup apply"
	if p.proxy {
		sudo, can, pages, save = "sudo kumoup proxy", "kumoup can write the files and start KumoProxy", "the page", "sudo kumoup proxy --answers"
	}
	switch {
	case p.layoutRoot != "":
		owner := "not running as root: they keep your user as owner (on a host: " + sudo + ")"
		if p.facts.Root {
			owner = "running as root: they are given to root, as on a host"
		}
		line(st.Pass.Render(glyphPass), "files go under "+p.layoutRoot,
			st.Muted.Render("nothing outside that directory is written;"), st.Muted.Render(owner))
	case p.facts.Root:
		line(st.Pass.Render(glyphPass), "running as root", st.Muted.Render(can))
	default:
		line(st.Fail.Render(glyphFail), "not running as root", st.Muted.Render("you can go through "+pages+"; writing is refused, but the review can"), st.Muted.Render("save the answers for ")+st.Code.Render(save)+st.Muted.Render(", or quit and run ")+st.Code.Render(sudo))
	}
}

// View renders the host facts and what each means.
func (p *preflight) View() string {
	st := p.st
	if !p.facts.Sensed {
		return st.Muted.Render("Looking at this host…")
	}
	if p.proxy {
		return p.proxyView(st)
	}
	f := p.facts
	var b strings.Builder
	line := p.factWriter(&b)
	p.whoLine(st, line)
	if f.Nginx != "" {
		line(st.Pass.Render(glyphPass), "nginx found: "+f.Nginx)
	} else {
		line(st.Warn.Render(glyphWarn), "nginx not found", st.Muted.Render("install it before the next steps: ")+st.Code.Render("apt-get install -y nginx"))
	}
	switch {
	case p.kumodNote != "":
		line(st.Pass.Render(glyphPass), p.kumodNote)
	case f.Kumod != "":
		line(st.Pass.Render(glyphPass), "kumod found: "+f.Kumod, st.Muted.Render("KumoMTA "+model.MinKumoVersion+" or later needed (kumoup status: host.kumod.version)"))
	default:
		line(st.Warn.Render(glyphWarn), "kumod not found at "+KumodPath, st.Muted.Render("install KumoMTA "+model.MinKumoVersion+" or later before restarting it; the files can be written now"))
	}
	if p.prefilled {
		src := p.prefillSource
		if src == "" {
			src = "the existing deployment"
		}
		line(st.Pass.Render(glyphPass), "existing answers found: "+src, st.Muted.Render("every field is prefilled from them; tokens are kept unless you change them"))
	} else {
		line(st.Skip.Render(glyphSkip), "no existing deployment: starting from the defaults")
	}
	switch c := f.Cert; {
	case !c.Checked:
		line(st.Skip.Render(glyphSkip), "certificate: checked once you give the host name")
	case !c.Missing():
		line(st.Pass.Render(glyphPass), "certificate files present for "+c.Domain)
	default:
		more := []string{st.Muted.Render("the site is written HTTP only until they exist; the next steps obtain them:")}
		for _, l := range wrapCommand(c.CertbotCommand(), p.width-4) {
			more = append(more, st.Code.Render(l))
		}
		line(st.Warn.Render(glyphWarn), "certificate files missing for "+c.Domain, more...)
	}
	b.WriteString("\n" + st.Heading.Render("Press enter to start."))
	return b.String()
}
