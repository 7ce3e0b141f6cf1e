package ui

import (
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// proxyView is the KumoProxy host's preflight: root, proxy-server, the
// answers already on disk.
func (p preflight) proxyView(st *Styles) string {
	f := p.facts
	var b strings.Builder
	line := p.factWriter(&b)
	b.WriteString(st.Heading.Render("The KumoProxy host: KumoProxy's unit and this host's firewall rules") + "\n\n")
	p.whoLine(st, line)
	if f.ProxyServer != "" {
		line(st.Pass.Render(glyphPass), "proxy-server found: "+f.ProxyServer)
	} else {
		line(st.Warn.Render(glyphWarn), "proxy-server not found at "+writer.ProxyServerBinary,
			st.Muted.Render("install the kumomta package (it ships KumoProxy) before starting it;"),
			st.Muted.Render("the files can be written now"))
	}
	if p.prefilled {
		src := p.prefillSource
		if src == "" {
			src = "the existing answers"
		}
		line(st.Pass.Render(glyphPass), "existing answers found: "+src, st.Muted.Render("the page is prefilled from them; the other answers are kept as they are"))
	} else {
		line(st.Skip.Render(glyphSkip), "no answers on this host: starting from the defaults")
	}
	b.WriteString("\n" + st.Muted.Render(wrapText("Nothing is loaded into the firewall here: that is a separate step, with its own confirmation.", max(p.width, 20))) + "\n")
	b.WriteString("\n" + st.Heading.Render("Press enter to start."))
	return b.String()
}
