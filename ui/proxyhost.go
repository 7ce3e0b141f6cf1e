package ui

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// The KumoProxy host's path through the wizard: the same preflight,
// review, apply and next-steps screens as the MTA host's, with its own
// page and files (writer.RenderProxyHost: the unit, the Lua config when a
// status listener is asked for, the nftables rules; and the answers file,
// so the next steps' commands find the answers).

// mtaPages and proxyPages are the two flows through the wizard's pages.
var (
	mtaPages   = []page{pageHost, pageInjection, pageInjectionPaste, pageInjectionGrace, pageWebhook, pageWebhookPaste, pageProxy}
	proxyPages = []page{pageProxyHost}
)

// proxyDraft holds the proxy host page's answers as typed.
type proxyDraft struct {
	listen, mta, resolvers, ssh, status string
	outbound                            string
}

// forProxyHost turns w into the KumoProxy host's wizard.
func (w *wizard) forProxyHost() {
	w.pages = proxyPages
	w.page = pageProxyHost
	f := w.d.Firewall
	w.proxy = proxyDraft{
		mta:       strings.Join(f.MTAAddresses, ", "),
		resolvers: strings.Join(f.Resolvers, ", "),
		ssh:       strconv.Itoa(f.SSHPortOrDefault()),
		status:    f.ProxyStatusListen,
		outbound:  f.OutboundOrDefault(),
	}
	if w.d.ProxyHost != "" || f.ProxyListen != "" {
		w.proxy.listen = w.d.ProxyListenAddress()
	}
}

// splitList splits a comma- or space-separated answer.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// proxyFirewall is the draft's firewall answers with the page's text parsed.
func (w *wizard) proxyFirewall() model.Firewall {
	f := w.d.Firewall
	f.MTAAddresses = splitList(w.proxy.mta)
	f.Resolvers = splitList(w.proxy.resolvers)
	f.SSHPort, _ = strconv.Atoi(strings.TrimSpace(w.proxy.ssh))
	if f.SSHPort == model.DefaultSSHPort {
		f.SSHPort = 0
	}
	f.Outbound = w.proxy.outbound
	if f.Outbound == model.OutboundGuarded {
		f.Outbound = ""
	}
	f.ProxyStatusListen = strings.TrimSpace(w.proxy.status)
	f.ProxyListen = strings.TrimSpace(w.proxy.listen)
	return f
}

// finishProxyHost copies the page into the draft. proxy_listen becomes
// proxy_host and proxy_port when the answers have no proxy_host yet (the
// MTA host's answers use the same pair), and stays firewall.proxy_listen
// only when it differs from them.
func (w *wizard) finishProxyHost() {
	f := w.proxyFirewall()
	if ap, err := netip.ParseAddrPort(f.ProxyListen); err == nil && !ap.Addr().IsUnspecified() {
		if w.d.ProxyHost == "" {
			w.d.ProxyHost, w.d.ProxyPort = ap.Addr().String(), int(ap.Port())
		}
	}
	w.d.Firewall = f
	if f.ProxyListen == joinHostPortString(w.d.ProxyHost, w.d.ProxyPort) {
		w.d.Firewall.ProxyListen = ""
	}
}

func joinHostPortString(host string, port int) string {
	if a, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(a, uint16(port)).String()
	}
	return host + ":" + strconv.Itoa(port)
}

// firewallProblem validates field with the model's own validation: the
// same messages as the answers file's.
func firewallProblem(f model.Firewall, field string) error {
	p := model.Deployment{Firewall: f}.Validate()
	for _, e := range p.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+"[") {
			return e
		}
	}
	return nil
}

func (w *wizard) proxyHostFields() []huh.Field {
	fw := func(field string, set func(f *model.Firewall, s string), required bool) func(string) error {
		return func(s string) error {
			if required && len(splitList(s)) == 0 {
				return fmt.Errorf("%s: is required on the KumoProxy host: list the MTA host's address(es) as this host sees them; they are the only sources allowed to reach the proxy port", field)
			}
			f := w.proxyFirewall()
			set(&f, s)
			return firewallProblem(f, field)
		}
	}
	return []huh.Field{
		label(w, huh.NewInput().Key("proxy_listen"), "KumoProxy listens on",
			"this host's private address and port; the MTA host connects here").
			Placeholder(example("private-ip:" + strconv.Itoa(model.DefaultProxyPort))).
			Value(&w.proxy.listen).Validate(checked("firewall.proxy_listen", func(s string) error {
			return model.ValidateAddrPort(strings.TrimSpace(s))
		})),
		label(w, huh.NewInput().Key("mta_addresses"), "MTA host addresses",
			"who may connect to the proxy port: IP addresses or CIDR prefixes, comma-separated").
			Value(&w.proxy.mta).Validate(fw("firewall.mta_addresses", func(f *model.Firewall, s string) {
			f.MTAAddresses = splitList(s)
		}, true)),
		label(w, huh.NewInput().Key("ssh_port"), "SSH port",
			"always accepted, before any drop: the port sshd listens on").
			Value(&w.proxy.ssh).Validate(checked("firewall.ssh_port", validatePortText)),
		label(w, huh.NewSelect[string]().Key("outbound"), "Outbound", "").
			Options(
				huh.NewOption("guarded: everything leaves but DNS to other resolvers", model.OutboundGuarded),
				huh.NewOption("strict: only SMTP, DNS, HTTP(S), NTP and DHCP leave", model.OutboundStrict),
			).Value(&w.proxy.outbound),
		label(w, huh.NewInput().Key("resolvers"), "DNS resolvers",
			"IP addresses, comma-separated; required for strict; empty: DNS to any server").
			Value(&w.proxy.resolvers).Validate(fw("firewall.resolvers", func(f *model.Firewall, s string) {
			f.Resolvers = splitList(s)
		}, false)),
		label(w, huh.NewInput().Key("proxy_status_listen"), "Status listener (optional)",
			fmt.Sprintf("KumoProxy's metrics on loopback, e.g. 127.0.0.1:%d; empty: none", model.DefaultProxyStatusPort)).
			Value(&w.proxy.status).Validate(fw("firewall.proxy_status_listen", func(f *model.Firewall, s string) {
			f.ProxyStatusListen = strings.TrimSpace(s)
		}, false)),
	}
}

// proxyWarnings are the model's non-blocking warnings for the page.
func (w *wizard) proxyWarnings() []string {
	d := w.d
	d.Firewall = w.proxyFirewall()
	var out []string
	for _, p := range d.Validate().Warnings {
		if strings.HasPrefix(p.Field, "firewall.") {
			out = append(out, p.Error())
		}
	}
	return out
}

// prepareProxyCmd validates the KumoProxy host's answers, renders its
// files and compares them with the disk.
func prepareProxyCmd(ctx context.Context, opt Options, d model.Deployment) tea.Cmd {
	return func() tea.Msg {
		d = d.WithDefaults()
		msg := planMsg{d: d}
		for _, p := range d.Validate().Warnings {
			if strings.HasPrefix(p.Field, "firewall.") || p.Field == "proxy_host" {
				msg.warnings = append(msg.warnings, p)
			}
		}
		files, err := writer.RenderProxyHost(d, opt.Layout)
		if err != nil {
			msg.err = err
			return msg
		}
		answers, err := model.MarshalAnswers(d)
		if err != nil {
			msg.err = err
			return msg
		}
		files = append(files, writer.File{Name: "kumoup answers", Path: opt.Layout.AnswersFile(), Root: opt.Layout.Root, Mode: 0o644, Content: answers})
		if err := ctx.Err(); err != nil {
			msg.err = err
			return msg
		}
		msg.plan, msg.err = writer.NewPlan(files)
		msg.rootErr = writer.RequireRoot(opt.Layout)
		return msg
	}
}

// prepare starts planning the files of the current flow.
func (m Model) prepare(d model.Deployment, genInj, genHook bool) tea.Cmd {
	if m.host == writer.HostProxy {
		return prepareProxyCmd(m.ctx, m.opt, d)
	}
	return prepareCmd(m.ctx, m.opt, d, genInj, genHook)
}

// afterFiles is where the flow goes once the files are in place: the app's
// connection values on the MTA host, the next steps on the proxy host.
func (m *Model) afterFiles() {
	if m.host == writer.HostProxy {
		m.openNextSteps()
		return
	}
	if m.openWebhookRotation() {
		return // the app's new webhook token first; the connection values after
	}
	m.openConnection()
}

// openConnection shows the app's connection values.
func (m *Model) openConnection() {
	m.open(screenConnection, newConnection(m.deployment, m.opt.Layout, m.st, m.keys))
}
