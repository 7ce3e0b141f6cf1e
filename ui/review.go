package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// planMsg is the result of prepareCmd: the final answers (tokens filled)
// and the plan of the files, or why there is none.
type planMsg struct {
	d    model.Deployment
	plan *writer.Plan
	cert certStatus
	// shape is the host's init.lua shape, for the lines the next steps
	// print (read here, in the command, not when the screen opens).
	shape    writer.PolicyShape
	warnings []model.Problem
	rootErr  error // writing would be refused (not root on the real host)
	err      error
	// rot is the rotation the token page chose, its new webhook token
	// filled (see rotate_setup.go).
	rot tokenRotation
}

func (planMsg) route() screen { return screenPlanning }

// answersSavedMsg goes to the review that asked for it.
func (answersSavedMsg) route() screen { return screenReview }

// Screens: the files being prepared, then reviewed.
const (
	screenPlanning screen = "planning"
	screenReview   screen = "review"
)

// planning is shown while prepareCmd runs.
type planning struct {
	host writer.Host
	st   *Styles
	keys *KeyMap
}

func newPlanning(h writer.Host, st *Styles, k *KeyMap) *planning {
	return &planning{host: h, st: st, keys: k}
}

func (p *planning) SetSize(int, int)          {}
func (p *planning) Title() (string, string)   { return flowTitle(p.host), "preparing the files" }
func (p *planning) ShortHelp() []key.Binding  { return []key.Binding{p.keys.Global.Quit} }
func (p *planning) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *planning) View() string {
	if p.host == writer.HostProxy {
		return p.st.Muted.Render("Rendering the KumoProxy host's files and comparing them with the disk…")
	}
	return p.st.Muted.Render("Generating tokens, rendering the files and comparing them with the disk…")
}

// Update opens the review once the plan is ready.
func (p *planning) Update(m *Model, msg tea.Msg) tea.Cmd {
	if pm, ok := msg.(planMsg); ok {
		if pm.err == nil {
			m.deployment = pm.d
		}
		m.open(screenReview, newReview(pm, m.st, m.keys, m.host))
	}
	return nil
}

// prepareCmd generates the tokens still missing, validates the answers,
// renders every file and compares it with the disk.
func prepareCmd(ctx context.Context, opt Options, d model.Deployment, genInj, genHook bool) tea.Cmd {
	return prepareRotatingCmd(ctx, opt, d, genInj, genHook, tokenRotation{})
}

// prepareRotatingCmd is prepareCmd with the rotation the token page chose.
func prepareRotatingCmd(ctx context.Context, opt Options, d model.Deployment, genInj, genHook bool, rot tokenRotation) tea.Cmd {
	return func() tea.Msg {
		var err error
		if genInj {
			if d.InjectionToken, err = opt.newToken(); err != nil {
				return planMsg{err: err}
			}
		}
		if genHook {
			if d.WebhookToken, err = opt.newToken(); err != nil {
				return planMsg{err: err}
			}
		}
		d = d.WithDefaults()
		msg := planMsg{d: d}
		problems := d.Validate()
		msg.warnings = problems.Warnings
		if err := problems.Err(); err != nil {
			msg.err = err
			return msg
		}
		if msg.rot, msg.err = rot.prepare(ctx, opt, d); msg.err != nil {
			return msg
		}
		if err := ctx.Err(); err != nil {
			msg.err = err
			return msg
		}
		// Render for the installed kumod (an older one has no
		// request_body_limit) and nginx (the HTTP/2 form), as apply does.
		ro := opt.Render
		if ro.Kumod.IsZero() && ro.Nginx == (writer.NginxVersion{}) {
			sw, notes := writer.DetectSoftware(ctx, opt.Layout, d)
			ro.Kumod, ro.Nginx = sw.Kumod, sw.Nginx
			for _, n := range notes {
				msg.warnings = append(msg.warnings, model.Problem{Field: "kumod", Message: n})
			}
		}
		// The plan kumoup apply makes: HTTP only while the certificate is
		// missing, and a changed domain's site file and token include moved
		// aside.
		msg.plan, msg.err = writer.PlanRendered(d, ro)
		msg.cert = checkCert(d, opt.Layout)
		msg.shape = probes.PolicyShape(ctx, opt.Layout)
		msg.rootErr = writer.RequireRoot(opt.Layout)
		return msg
	}
}

// review shows every file the plan touches or keeps, with its masked diff.
type review struct {
	msg    planMsg
	st     *Styles
	keys   *KeyMap
	scroll scroller
	width  int
	// host is the flow's host: where enter goes when nothing is to write,
	// and, when writing is refused for lack of root, the command that
	// applies the saved answers and whether they hold the tokens (the
	// KumoProxy host needs none; see review_save.go).
	host writer.Host

	saving  bool   // saveAnswersCmd is running
	saved   string // the answers file saved
	saveErr error  // why the last save failed
}

func newReview(pm planMsg, st *Styles, k *KeyMap, host writer.Host) *review {
	return &review{msg: pm, st: st, keys: k, host: host}
}

// reviewScreen is the review (nil until the files were prepared).
func (m *Model) reviewScreen() *review { r, _ := m.screens[screenReview].(*review); return r }

func (r *review) Title() (string, string) { return flowTitle(r.host), "review" }

// ShortHelp is what enter does in the review's state, then the rest.
func (r *review) ShortHelp() []key.Binding {
	k := r.keys
	return append(r.actions(), k.Scroll.Up, k.Scroll.Down, k.Global.Help, k.Global.QuitQ)
}

func (r *review) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(r.actions(), r.keys.Global.QuitQ), r.keys.Scroll.scrollKeys()}
}

// actions are the review's keys in its state: write, go on, or save, and
// going back.
func (r *review) actions() []key.Binding {
	k := r.keys.Review
	switch {
	case r.offersSave():
		return []key.Binding{k.Save, k.Back}
	case !r.canWrite():
		return []key.Binding{k.Back}
	case r.nothingToWrite():
		return []key.Binding{k.Continue, k.Back}
	}
	return []key.Binding{k.Write, k.Back}
}

func (r *review) SetSize(w, h int) {
	r.width = w
	r.scroll.SetHeight(h - 1 - lipgloss.Height(r.question()))
	if r.st != nil {
		r.scroll.SetLines(reviewLines(r.msg, r.st, w))
	}
}

func (r *review) Update(m *Model, msg tea.Msg) tea.Cmd {
	if sm, ok := msg.(answersSavedMsg); ok {
		r.recordSaved(m, sm)
		return nil
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := r.keys.Review
	switch {
	case key.Matches(km, r.keys.Global.QuitQ):
		// Nothing was written: an abort, unless the answers were saved
		// (the command that finishes is printed on the way out).
		return m.quit(r.saved == "")
	case key.Matches(km, k.Back):
		return m.startWizard()
	case key.Matches(km, k.Save) && r.canSave():
		return m.startSave()
	case key.Matches(km, k.Write):
		if !r.canWrite() {
			return nil
		}
		if r.nothingToWrite() {
			m.afterFiles()
			return nil
		}
		a := newApplyView(r.msg.plan, m.host, m.st, m.keys)
		m.open(screenApplying, a)
		m.screens[screenApplied] = a
		var cmd tea.Cmd
		a.events, cmd = startApply(m.ctx, m.opt, r.msg.plan, r.msg.rot.afterApply(m.opt.Layout))
		return cmd
	}
	r.scroll.Update(msg, r.keys.Scroll)
	return nil
}

// reviewLines renders the plan as a scrollable document.
func reviewLines(pm planMsg, st *Styles, width int) []string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	wrapped := func(style func(...string) string, s string) {
		for _, l := range wrapLines(s, width) {
			add(style(l))
		}
	}
	if pm.err != nil {
		add(st.Error.Render("The files cannot be prepared:"))
		for _, l := range strings.Split(pm.err.Error(), "\n") {
			for _, w := range wrapLines(l, max(width-2, 20)) {
				add("  " + w)
			}
		}
		add("", "Press esc to change the answers.")
		return out
	}
	p := pm.plan
	add(st.Heading.Render("Plan: ") + p.Summary())
	if pm.rootErr != nil {
		wrapped(st.Fail.Render, glyphFail+" "+pm.rootErr.Error())
	}
	for _, w := range pm.warnings {
		wrapped(st.Warn.Render, glyphWarn+" "+w.Error())
	}
	add(rotationReviewLines(pm, st, width)...)
	if pm.cert.Missing() {
		wrapped(st.Warn.Render, glyphWarn+" certificate files missing for "+pm.cert.Domain+": the nginx site is "+writer.HTTPOnlyNote+" (nginx accepts it); the next steps obtain it:")
		for _, l := range wrapCommand(pm.cert.CertbotCommand(), width-2) {
			add("  " + st.Code.Render(l))
		}
	}
	for _, c := range p.Changes {
		f := c.File
		add("")
		action := fmt.Sprintf("%-9s", c.Action)
		switch c.Action {
		case writer.Create:
			action = st.DiffAdd.Render(action)
		case writer.Update, writer.Retire:
			action = st.Warn.Render(action)
		default:
			action = st.Muted.Render(action)
		}
		desc := f.Name
		if f.Sensitive() {
			desc += ", holds a secret"
			if c.Action == writer.Create || c.Diff != "" {
				desc += " (masked below)"
			}
		}
		for i, l := range columnPath(f.Path, 10, width) {
			if i == 0 {
				add(action + " " + st.Heading.Render(l))
			} else {
				add(st.Heading.Render(l))
			}
		}
		for _, l := range wrapLines(fmt.Sprintf("%04o %s · %s", f.Mode, ownerName(f.UID, f.GID), desc), max(width-10, 20)) {
			add("          " + l)
		}
		add(handEditLines(c, st, width)...)
		switch {
		case c.Action == writer.Retire:
			for _, l := range wrapLines("moved aside as "+f.Path+writer.BackupInfix+"…, which nginx does not load", max(width-10, 20)) {
				add("          " + l)
			}
		case c.Action == writer.Create:
			for _, l := range strings.Split(strings.TrimSuffix(c.Preview(), "\n"), "\n") {
				for _, w := range wrapDiff("          + ", "         "+glyphCont+"+ ", l, width) {
					add(st.DiffAdd.Render(w))
				}
			}
		case c.Action == writer.Update && c.Diff == "":
			add(fmt.Sprintf("          content unchanged; fixing mode/owner (now %04o %s)", c.OldMode, ownerName(c.OldUID, c.OldGID)))
		case c.Action == writer.Update:
			if c.ModeChange {
				add(fmt.Sprintf("          mode/owner now %04o %s", c.OldMode, ownerName(c.OldUID, c.OldGID)))
			}
			for i, l := range strings.Split(strings.TrimSuffix(c.Diff, "\n"), "\n") {
				add(diffLines(l, i < 2, st, width)...)
			}
		}
	}
	for _, l := range p.Leftovers {
		add("", "remove    "+l+"  (temp file left by an interrupted run)")
	}
	return out
}

// diffLines renders one line of a unified diff, wrapped to width. head
// says the line is one of the diff's first two, where its file headers
// are: anywhere else "--- x" is a removed line ("-- x", a Lua comment).
func diffLines(l string, head bool, st *Styles, width int) []string {
	style := func(s ...string) string { return strings.Join(s, " ") }
	switch {
	case head && (strings.HasPrefix(l, "+++ ") || strings.HasPrefix(l, "--- ")):
		style = st.Muted.Render
	case strings.HasPrefix(l, "@@"):
		style = st.DiffHunk.Render
	case strings.HasPrefix(l, "+"):
		style = st.DiffAdd.Render
	case strings.HasPrefix(l, "-"):
		style = st.DiffDel.Render
	}
	// The marker (+, -, space) stays in its column; a long line continues
	// under the text, its marker repeated after a continuation mark, so
	// that without color it does not read as context.
	prefix, cont := "          ", "          "
	if l != "" && !(head && strings.HasPrefix(l, "--- ") || head && strings.HasPrefix(l, "+++ ")) {
		prefix, cont, l = prefix+l[:1], "         "+glyphCont+l[:1], l[1:]
	}
	out := wrapDiff(prefix, cont, l, width)
	for i := range out {
		out[i] = style(out[i])
	}
	return out
}

// wrapDiff cuts a file or diff line into pieces of width cells, the
// first after prefix and the rest after cont (as wide as prefix; all
// spaces when empty): every character stays visible (words are kept whole
// when they fit).
func wrapDiff(prefix, cont, l string, width int) []string {
	avail := width - ansi.StringWidth(prefix)
	if avail < 20 || ansi.StringWidth(l) <= avail {
		return []string{prefix + l}
	}
	pad := cont
	if pad == "" {
		pad = strings.Repeat(" ", ansi.StringWidth(prefix))
	}
	var out []string
	for i, part := range wrapLines(l, avail) {
		if i == 0 {
			out = append(out, prefix+part)
		} else {
			out = append(out, pad+part)
		}
	}
	return out
}

func ownerName(uid, gid int) string {
	if uid == 0 && gid == 0 {
		return "root:root"
	}
	return fmt.Sprintf("%d:%d", uid, gid)
}

// canWrite reports whether the plan can be applied: it was rendered and
// writing is not refused.
func (r review) canWrite() bool {
	return r.msg.err == nil && r.msg.rootErr == nil && r.msg.plan != nil
}

// nothingToWrite reports whether every file is already as rendered.
func (r review) nothingToWrite() bool {
	return r.canWrite() && r.msg.plan.Changed() == 0 && len(r.msg.plan.Leftovers) == 0 && !r.msg.rot.webhook
}

// question is what enter does here.
func (r review) question() string {
	var q string
	switch {
	case r.msg.err != nil, r.msg.plan == nil:
		q = "esc: change the answers"
	case r.canSave():
		return r.saveQuestion()
	case r.msg.rootErr != nil:
		q = "Writing is refused without root: quit (q) and run sudo kumoup, or esc to change the answers."
	case r.msg.rot.webhook:
		q = r.rotationQuestion()
	case r.msg.plan.Changed() == 0 && len(r.msg.plan.Leftovers) == 0:
		then := "connection values"
		if r.host == writer.HostProxy {
			then = "next steps"
		}
		q = "Nothing to write: every file is already as rendered. enter: " + then + " · esc: change the answers"
	default:
		q = fmt.Sprintf("Write %d file(s)? enter: write · esc: change the answers", r.msg.plan.Changed())
	}
	return wrapText(q, max(r.width, 20))
}

// View renders the plan window and the question.
func (r *review) View() string {
	return r.scroll.View(r.st) + "\n\n" + r.st.Heading.Render(r.question())
}
