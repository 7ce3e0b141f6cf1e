package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// ConfirmWord is what the operator types to load the firewall rules: a
// word, not a key, so no stray or repeated key press loads them.
const ConfirmWord = "apply"

// FirewallActions are the firewall screen's side effects, all run in
// commands: writer's, which kumoup firewall uses too.
type FirewallActions = writer.FirewallActions

// ErrNotLoaded is returned by Run when it was started on the firewall
// screen (StartFirewall) and the operator left without loading the rules.
var ErrNotLoaded = errors.New("not loaded: not confirmed (type apply on the confirmation screen, or pass --yes without a terminal)")

// fwPreparedMsg is the prepared firewall session, or why the rules cannot
// be rendered.
type fwPreparedMsg struct {
	*writer.FirewallSession
	err error
}

// fwLoadedMsg is the outcome of writing and loading the rules.
type fwLoadedMsg struct {
	output string
	err    error
}

func (fwPreparedMsg) route() screen { return screenFirewall }
func (fwLoadedMsg) route() screen   { return screenFirewall }

// screenFirewall is the firewall rules, what they do, the confirmation.
const screenFirewall screen = "firewall"

// canLoad says whether this run may load rules into a kernel, and if not why.
func (o Options) canLoad() (bool, string) {
	switch {
	case o.Firewall.Load != nil:
		return true, ""
	case o.Demo:
		return false, "the demo changes nothing on this host: loading is disabled"
	case !o.Layout.IsHost():
		return false, "the files go under " + o.Layout.Root + ", not this host: loading is disabled (run kumoup firewall --apply on the host itself)"
	}
	return true, ""
}

// prepareFirewallCmd prepares the firewall session of host for d: the
// rules rendered and checked with nft -c, ufw's status, and (when this run
// may load) the SSH guard.
func prepareFirewallCmd(ctx context.Context, opt Options, d model.Deployment, host writer.Host) tea.Cmd {
	return func() tea.Msg {
		ok, _ := opt.canLoad()
		s, err := writer.PrepareFirewall(ctx, d, host, opt.Layout, opt.Firewall, ok)
		return fwPreparedMsg{FirewallSession: s, err: err}
	}
}

// loadFirewallCmd writes the session's rules file (unchanged content is
// kept) and loads it.
func loadFirewallCmd(ctx context.Context, opt Options, s *writer.FirewallSession) tea.Cmd {
	return func() tea.Msg {
		out, err := s.Load(ctx, writer.ApplyOptions{Now: opt.now, SkipChown: !writer.CanChown() && !opt.Layout.IsHost()})
		return fwLoadedMsg{output: string(out), err: err}
	}
}

// firewallView is the firewall screen: the rules, what they do in plain
// words, and the typed confirmation.
type firewallView struct {
	host     writer.Host
	d        model.Deployment
	prepared *fwPreparedMsg
	canLoad  bool
	noLoad   string // why loading is disabled
	typed    string
	hint     string // why enter did nothing
	loading  bool
	loaded   *fwLoadedMsg
	back     screen // where esc goes; "": quit
	// words is what the rules do and the checks; file is the rules file
	// under its heading. Each scrolls on its own, so that both show at
	// 80x24; fileFocused says which one the scrolling keys move.
	words, file scroller
	fileFocused bool
	paneChosen  bool // tab was pressed: keep the operator's pane
	st          *Styles
	keys        *KeyMap
	width       int
}

func newFirewallView(opt Options, d model.Deployment, host writer.Host, back screen, st *Styles, k *KeyMap) *firewallView {
	ok, why := opt.canLoad()
	return &firewallView{host: host, d: d, canLoad: ok, noLoad: why, back: back, st: st, keys: k}
}

// firewallScreen is the firewall screen (nil until it opened).
func (m *Model) firewallScreen() *firewallView {
	v, _ := m.screens[screenFirewall].(*firewallView)
	return v
}

func (v *firewallView) Title() (string, string) { return "Firewall", v.host.Title() }

// typing: the confirmation is typed (q and ? are letters of it).
func (v *firewallView) typing() bool { return v.ready() }

func (v *firewallView) ShortHelp() []key.Binding {
	k := v.keys
	scroll := k.Typing.Hint
	if v.bothScroll() {
		scroll = k.Firewall.PaneHint
	}
	if v.done() {
		return []key.Binding{k.Firewall.Done, scroll, k.Global.QuitQ}
	}
	return []key.Binding{k.Firewall.Load, k.Firewall.Back, scroll, k.Global.Quit}
}

func (v *firewallView) FullHelp() [][]key.Binding {
	k := v.keys
	scroll := k.Typing.scrollKeys()
	if v.bothScroll() {
		scroll = append([]key.Binding{k.Firewall.SwitchPane}, scroll...)
	}
	if v.done() {
		return [][]key.Binding{{k.Firewall.Done, k.Global.QuitQ}, scroll}
	}
	return [][]key.Binding{{k.Firewall.Load, k.Firewall.Back, k.Global.Quit}, scroll}
}

// bothScroll reports whether what the rules do and the rules file are
// each longer than their pane: only then does tab move the scrolling keys.
func (v *firewallView) bothScroll() bool {
	return len(v.words.lines) > v.words.height && len(v.file.lines) > v.file.height
}

// focused is the pane the scrolling keys move.
func (v *firewallView) focused() *scroller {
	if v.fileFocused {
		return &v.file
	}
	return &v.words
}

// done reports whether the screen only offers going back: the rules are
// loaded, refused or not offered.
func (v *firewallView) done() bool { return !v.ready() && !v.loading && v.prepared != nil }

// ready reports whether the confirmation is offered.
func (v firewallView) ready() bool {
	p := v.prepared
	return p != nil && p.err == nil && !p.UFW && p.GuardErr == nil && v.canLoad && v.loaded == nil && !v.loading
}

func (v *firewallView) SetSize(w, h int) {
	v.width = w
	v.refresh()
	avail := h - 1 - lipgloss.Height(v.bottom())
	heading := 0
	if h := v.fileHeading(); h != "" {
		heading = lipgloss.Height(h)
	}
	words, file := splitPanes(avail, len(v.words.lines), len(v.file.lines)+heading)
	v.words.SetHeight(words)
	v.file.SetHeight(file - heading)
	if !v.paneChosen || !v.bothScroll() {
		// What the rules do, unless only the file scrolls.
		v.fileFocused = len(v.words.lines) <= v.words.height
	}
	v.words.hint, v.file.hint = "", ""
	if v.bothScroll() {
		v.otherPane().hint = "tab: scroll this"
	}
}

// otherPane is the pane the scrolling keys do not move.
func (v *firewallView) otherPane() *scroller {
	if v.fileFocused {
		return &v.words
	}
	return &v.file
}

// splitPanes shares avail lines between what the rules do (words lines)
// and the rules file (file lines, its heading included): each whole when
// both fit, else the file keeps two fifths (at least six lines: its
// heading, four lines, the position mark) and what the rules do the rest.
func splitPanes(avail, words, file int) (int, int) {
	if file <= 1 {
		return max(avail, 1), 1
	}
	if words+file <= avail {
		return words, avail - words
	}
	keep := min(file, max(avail*2/5, 6))
	w := max(min(words, avail-keep), 1)
	return w, max(avail-w, 2)
}

func (v *firewallView) refresh() {
	if v.st != nil {
		v.words.SetLines(v.lines())
		v.file.SetLines(v.fileLines())
	}
}

// lines is what the rules do and the checks (the top pane).
func (v firewallView) lines() []string {
	st := v.st
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrapped := func(style func(...string) string, indent, s string) {
		for i, l := range wrapLines(s, max(v.width-len(indent), 20)) {
			if i > 0 {
				l = strings.Repeat(" ", len(indent)) + l
			} else {
				l = indent + l
			}
			add(style(l))
		}
	}
	p := v.prepared
	if p == nil {
		return []string{st.Muted.Render("Rendering the " + v.host.Title() + "'s rules and asking the host about ufw…")}
	}
	if p.err != nil {
		wrapped(st.Error.Render, "", "The rules cannot be rendered: "+p.err.Error())
		return out
	}
	if v.loaded != nil {
		if v.loaded.err != nil {
			wrapped(st.Fail.Render, "", glyphFail+" not loaded: "+v.loaded.err.Error())
		} else {
			add(st.Pass.Render(glyphPass + " loaded: `nft list table inet kumoup` shows the " + v.host.Title() + "'s rules"))
			wrapped(st.Muted.Render, "  ", "They are lost at reboot unless /etc/nftables.conf has, after its flush ruleset, include \""+p.File.Path+"\" and nftables.service is enabled (systemctl enable nftables).")
		}
		for _, l := range strings.Split(strings.TrimRight(v.loaded.output, "\n"), "\n") {
			if l != "" {
				add("  " + st.Muted.Render("│ "+l))
			}
		}
		add("")
	}
	// What stands in the way of loading, first: the line under the panes
	// points "above" to it, and at 80x24 the end of this pane is below
	// its fold.
	switch {
	case p.CheckErr != nil:
		wrapped(st.Warn.Render, "", glyphWarn+" not validated with nft -c: "+p.CheckErr.Error())
	default:
		add(st.Pass.Render(glyphPass + " nft -c: the rules are valid"))
	}
	if p.UFWErr != nil {
		wrapped(st.Warn.Render, "", glyphWarn+" "+p.UFWErr.Error())
	}
	if p.UFW {
		wrapped(st.Warn.Render, "", glyphWarn+" ufw is active on this host: kumoup loads no second rule set (each would drop what the other accepts). Run these ufw commands instead, in order:")
		for _, c := range p.UFWCommands {
			for _, l := range wrapCommand(c, v.width-4) {
				add("    " + st.Code.Render(l))
			}
		}
	}
	if p.GuardErr != nil {
		wrapped(st.Fail.Render, "", glyphFail+" not offered: "+p.GuardErr.Error())
	}
	if !v.canLoad {
		wrapped(st.Muted.Render, "", glyphSkip+" "+v.noLoad)
	}
	add("")
	add(st.Heading.Render("What these rules do on the " + v.host.Title()))
	for _, w := range firewallWords(v.d, v.host) {
		glyph, style := st.Pass.Render(glyphPass+" allow "), st.Value.Render
		if !w.allow {
			glyph = st.Fail.Render(glyphFail + " block ")
		}
		first := true
		for _, l := range wrapLines(w.text, max(v.width-10, 20)) {
			if first {
				add("  " + glyph + style(l))
				first = false
			} else {
				add("          " + style(l))
			}
		}
	}
	return append(out, "") // above the file's heading
}

// fileHeading names the rules file above its pane ("" before it is
// rendered).
func (v firewallView) fileHeading() string {
	p := v.prepared
	if p == nil || p.err != nil {
		return ""
	}
	// A path wider than the window breaks after a '/', never cut.
	return v.st.Heading.Render(strings.Join(wrapPath(fmt.Sprintf("%s (%04o)", p.File.Path, p.File.Mode), v.width), "\n"))
}

// fileLines is the rules file, its long lines wrapped (the bottom pane).
func (v firewallView) fileLines() []string {
	p := v.prepared
	if p == nil || p.err != nil {
		return nil
	}
	st := v.st
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	for _, l := range strings.Split(strings.TrimRight(string(p.File.Content), "\n"), "\n") {
		// A long line continues two cells further in, so that it does not
		// read as a line of its own.
		for i, w := range wrapDiff("  ", "", strings.ReplaceAll(l, "\t", "    "), v.width-2) {
			if i > 0 {
				w = "  " + w
			}
			add(st.Code.Render(w))
		}
	}
	return out
}

// bottom is the fixed part under the rules: the question and the field.
func (v firewallView) bottom() string {
	st := v.st
	if st == nil {
		return ""
	}
	p := v.prepared
	switch {
	case v.loading:
		return st.Muted.Render("Loading the rules…")
	case v.loaded != nil && v.loaded.err == nil:
		return st.Heading.Render("Loaded. enter: back")
	case v.loaded != nil:
		return st.Heading.Render("Nothing else changed. enter: back")
	case p == nil:
		return ""
	case p.err != nil:
		return st.Heading.Render("Nothing to load. enter: back")
	case p.UFW:
		return st.Heading.Render("ufw is active: run its commands above instead. enter: back")
	case p.GuardErr != nil:
		return st.Heading.Render("Not offered: it could lock you out (see above). enter: back")
	case !v.canLoad:
		return st.Heading.Render("Loading is disabled here (see above). enter: back")
	}
	q := wrapText(fmt.Sprintf("Load into this host's firewall? It replaces table inet kumoup and leaves other tables alone; SSH stays open on port %d.", v.d.Firewall.SSHPortOrDefault()), max(v.width, 20))
	field := "Type " + ConfirmWord + " and press enter: " + st.Selected.Render(st.MarkOpen+v.typed+"_"+strings.Repeat(" ", max(len(ConfirmWord)-len(v.typed), 0))+st.MarkClose)
	if v.hint != "" {
		field += "  " + st.Warn.Render(v.hint)
	}
	return st.Heading.Render(q) + "\n" + field
}

// View renders what the rules do, the rules file and the confirmation.
func (v *firewallView) View() string {
	top := v.words.View(v.st)
	if h := v.fileHeading(); h != "" {
		top += "\n" + h + "\n" + v.file.View(v.st)
	}
	return top + "\n\n" + v.bottom()
}

// openFirewall shows host's rules for d; esc returns to back.
func (m *Model) openFirewall(d model.Deployment, host writer.Host, back screen) tea.Cmd {
	m.open(screenFirewall, newFirewallView(m.opt, d, host, back, m.st, m.keys))
	return prepareFirewallCmd(m.ctx, m.opt, d, host)
}

func (v *firewallView) Update(m *Model, msg tea.Msg) tea.Cmd {
	k := v.keys.Firewall
	defer m.relayout()
	switch msg := msg.(type) {
	case fwPreparedMsg:
		v.prepared = &msg
	case fwLoadedMsg:
		v.loading = false
		v.loaded = &msg
		v.words.offset, v.paneChosen = 0, false // the outcome is at the top
		if m.opt.Start == StartFirewall {
			m.written = true
			m.err = msg.err
		}
	case tea.KeyPressMsg:
		switch {
		case v.loading:
		case v.done() && key.Matches(msg, v.keys.Global.QuitQ):
			return m.quit(false)
		case key.Matches(msg, k.Back), v.done() && key.Matches(msg, k.Done):
			if v.back == "" {
				return m.quit(false)
			}
			m.goTo(v.back)
			return nil
		case v.ready() && key.Matches(msg, k.Load):
			if v.typed != ConfirmWord {
				v.hint = "type " + ConfirmWord + " first"
				break
			}
			v.loading, v.hint = true, ""
			return loadFirewallCmd(m.ctx, m.opt, v.prepared.FirewallSession)
		case v.ready() && msg.Code == tea.KeyBackspace:
			if n := len(v.typed); n > 0 {
				v.typed = v.typed[:n-1]
			}
			v.hint = ""
		case v.ready() && msg.Text != "" && msg.Mod&^tea.ModShift == 0:
			if len(v.typed) < 2*len(ConfirmWord) {
				v.typed += msg.Text
			}
			v.hint = ""
		case key.Matches(msg, k.SwitchPane):
			if v.bothScroll() {
				v.fileFocused, v.paneChosen = !v.fileFocused, true
			}
		default:
			v.focused().Update(msg, v.keys.Typing)
		}
	}
	return nil
}
