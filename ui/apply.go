package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/writer"
)

// applyProgressMsg reports one file done (err nil: written or kept).
type applyProgressMsg struct {
	change writer.Change
	err    error
}

// applyDoneMsg ends the apply.
type applyDoneMsg struct {
	report *writer.Report
	err    error
}

func (applyProgressMsg) route() screen { return screenApplying }
func (applyDoneMsg) route() screen     { return screenApplying }

// The apply screen: per-file progress (applying), then the outcome
// (applied). One component under both names.
const (
	screenApplying screen = "applying"
	screenApplied  screen = "applied"
)

// startApply returns the channel the apply's progress arrives on and the
// command that starts writing the plan: the writing runs in a goroutine the
// command starts (never in Update), and its events are read one at a time
// (see waitApply). then, when set, runs once every file is written (the
// token page's webhook rotation keeps its new token aside).
func startApply(ctx context.Context, opt Options, plan *writer.Plan, then func(context.Context) error) (<-chan tea.Msg, tea.Cmd) {
	events := make(chan tea.Msg, len(plan.Changes)+2)
	start := func() tea.Msg {
		go func() {
			defer close(events)
			report, err := plan.Apply(ctx, writer.ApplyOptions{
				Progress: func(c writer.Change, err error) {
					events <- applyProgressMsg{change: c, err: err}
				},
				Now:       opt.now,
				SkipChown: !writer.CanChown() && !opt.Layout.IsHost(),
			})
			if err == nil && then != nil {
				err = then(ctx)
			}
			events <- applyDoneMsg{report: report, err: err}
		}()
		return waitApply(events)()
	}
	return events, start
}

func waitApply(events <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-events
		if !ok {
			return nil
		}
		return msg
	}
}

// fileState is one row of the apply screen: the file, and what writing it
// did (nil while it waits). The words are writer's (Outcome.Word,
// Outcome.BackupNote), the same kumoup apply prints.
type fileState struct {
	path    string
	outcome *writer.Outcome
}

// applyView shows per-file progress, then the outcome.
type applyView struct {
	events <-chan tea.Msg
	files  []fileState
	done   bool
	err    error
	width  int
	height int
	host   writer.Host // HostProxy: enter shows the next steps, not the app's connection values
	scroll scroller
	st     *Styles
	keys   *KeyMap

	// Options.AfterApply, once every file is in place: what it does,
	// whether it runs, and how it ended.
	after        string
	afterRunning bool
	afterDone    bool
	afterErr     error
	afterEnter   bool // enter was pressed while it ran: go on once it succeeds
}

func newApplyView(p *writer.Plan, host writer.Host, st *Styles, k *KeyMap) *applyView {
	v := &applyView{host: host, st: st, keys: k}
	for _, c := range p.Changes {
		v.files = append(v.files, fileState{path: c.File.Path})
	}
	return v
}

// applyingScreen is the apply screen (nil until the files were written).
func (m *Model) applyingScreen() *applyView { a, _ := m.screens[screenApplying].(*applyView); return a }

func (a *applyView) SetSize(w, h int) { a.width, a.height = w, h }

func (a *applyView) Title() (string, string) { return flowTitle(a.host), "writing the files" }

func (a *applyView) ShortHelp() []key.Binding {
	k := a.keys
	switch {
	case !a.done:
		return []key.Binding{k.Global.Quit}
	case a.err != nil:
		return []key.Binding{k.Apply.Back, k.Scroll.Up, k.Scroll.Down, k.Global.QuitQ}
	}
	return []key.Binding{k.Apply.Continue, k.Scroll.Up, k.Scroll.Down, k.Global.QuitQ}
}

func (a *applyView) FullHelp() [][]key.Binding {
	return [][]key.Binding{a.ShortHelp(), a.keys.Scroll.scrollKeys()}
}

// progress records one file done, as the apply reports it.
func (a *applyView) progress(c writer.Change, err error) {
	o := writer.Outcome{Change: c, Status: writer.Kept, Err: err}
	switch {
	case err != nil:
		o.Status = writer.Failed
	case c.Changed():
		o.Status = writer.Written
	}
	a.record(o)
}

// record sets the outcome of the outcome's file.
func (a *applyView) record(o writer.Outcome) {
	for i := range a.files {
		if a.files[i].path == o.Change.File.Path {
			a.files[i].outcome = &o
		}
	}
}

func (a *applyView) finish(r *writer.Report, err error) {
	a.done, a.err = true, err
	if r == nil {
		return
	}
	for _, o := range r.Outcomes {
		a.record(o)
	}
}

func (a *applyView) Update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case applyProgressMsg:
		a.progress(msg.change, msg.err)
		if msg.err == nil && msg.change.Changed() {
			m.written = true
		}
		return waitApply(a.events)
	case applyDoneMsg:
		a.finish(msg.report, msg.err)
		if msg.report != nil && msg.report.Changed() > 0 {
			m.written = true
		}
		if msg.err != nil {
			m.err = fmt.Errorf("write the files: %w", msg.err)
		} else {
			m.err = nil
		}
		var cmd tea.Cmd
		if msg.err == nil && m.opt.AfterApply != nil {
			a.after, a.afterRunning = m.opt.afterApplyLabel(), true
			cmd = afterApplyCmd(m.ctx, m.opt.AfterApply, m.deployment, m.opt.Layout)
		}
		m.goTo(screenApplied)
		return cmd
	case afterApplyMsg:
		return a.afterApply(m, msg)
	case tea.KeyPressMsg:
		if m.screen != screenApplied {
			return nil
		}
		k := a.keys.Apply
		switch {
		case key.Matches(msg, a.keys.Global.QuitQ):
			return m.quit(false)
		case key.Matches(msg, k.Continue) && a.err == nil && a.afterRunning:
			a.afterEnter = true
		case key.Matches(msg, k.Continue) && a.err == nil:
			m.afterFiles()
		case key.Matches(msg, k.Back) && a.err != nil:
			return m.startWizard()
		default:
			a.refresh()
			a.scroll.Update(msg, a.keys.Scroll)
		}
	}
	return nil
}

// fileLines is one line per file (more when a path wraps), and where its
// previous version went.
func (a *applyView) fileLines() []string {
	st := a.st
	var out []string
	for _, f := range a.files {
		var glyph string
		switch o := f.outcome; {
		case o == nil && a.done:
			glyph = st.Skip.Render(glyphSkip + " " + fmt.Sprintf("%-9s", writer.Outcome{Status: writer.NotAttempted}.Word()))
		case o == nil:
			glyph = st.Muted.Render(glyphPending + " waiting  ")
		case o.Status == writer.Written:
			glyph = st.Pass.Render(glyphPass + " " + fmt.Sprintf("%-9s", o.Word()))
		case o.Status == writer.Kept:
			glyph = st.Skip.Render(glyphPass + " " + fmt.Sprintf("%-9s", o.Word()))
		case o.Status == writer.Failed:
			glyph = st.Fail.Render(glyphFail + " " + fmt.Sprintf("%-9s", o.Word()))
		default:
			glyph = st.Skip.Render(glyphSkip + " " + fmt.Sprintf("%-9s", o.Word()))
		}
		for i, l := range columnPath(f.path, 12, a.width) {
			if i == 0 {
				out = append(out, strings.TrimRight(glyph+" "+l, " "))
			} else {
				out = append(out, l)
			}
		}
		if f.outcome != nil {
			if n := f.outcome.BackupNote(); n != "" {
				for _, l := range wrapLines(n, max(a.width-12, 20)) {
					out = append(out, st.Muted.Render("            "+l))
				}
			}
		}
	}
	return out
}

// outcome is what happened, once done, and what enter does.
func (a *applyView) outcome() string {
	st := a.st
	var b strings.Builder
	switch {
	case !a.done:
		b.WriteString(st.Muted.Render("Writing…"))
	case a.err != nil:
		b.WriteString(st.Error.Render(wrapText("Writing stopped: "+a.err.Error(), a.width)) + "\n")
		b.WriteString(wrapText("Every file marked FAILED or untouched was left exactly as it was (content, mode and owner); each written file holds its complete new content.", a.width) + "\n")
		if errors.Is(a.err, writer.ErrNotRoot) {
			b.WriteString("Quit and run sudo kumoup.\n")
		}
		b.WriteString(st.Heading.Render("esc: back to the answers · q: quit"))
	case a.afterRunning:
		now := "Now: " + a.after + "…"
		if a.afterEnter {
			now += " then the app's connection values."
		}
		b.WriteString(wrapText(st.Pass.Render("Every file is in place.")+" "+st.Muted.Render(now), a.width))
	default:
		then := "the app's connection values"
		if a.host == writer.HostProxy {
			then = "the next steps"
		}
		done := st.Pass.Render("Every file is in place.")
		if a.afterDone && a.afterErr == nil {
			done = st.Pass.Render("Every file is in place. " + glyphPass + " " + a.after + ".")
		}
		if a.afterErr != nil {
			b.WriteString(st.Error.Render(wrapText(a.afterErr.Error(), a.width)) + "\n")
			b.WriteString(wrapText("The files are written; what runs still serves what it served before them.", a.width) + "\n")
		}
		b.WriteString(wrapText(done+" "+st.Heading.Render("Press enter for "+then+"."), a.width))
	}
	return b.String()
}

// refresh lays the file lines into the scroller above the outcome, which
// always stays on screen.
func (a *applyView) refresh() {
	a.scroll.SetHeight(a.height - 1 - lipgloss.Height(a.outcome()))
	a.scroll.SetLines(a.fileLines())
}

// View renders the files (scrolling when they do not fit) and the outcome.
func (a *applyView) View() string {
	a.refresh()
	return a.scroll.View(a.st) + "\n\n" + a.outcome()
}
