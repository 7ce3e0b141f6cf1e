package ui

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/kumoup/kumoup/writer"
)

// StepTimeout bounds each next-step command.
const StepTimeout = 2 * time.Minute

// step is one next step: a command to run, or lines to add by hand.
type step struct {
	title  string
	argv   []string // nil for a manual step
	manual string   // what to do by hand (init.lua lines, certbot)
	// manualCommand says manual is one shell command (certbot): it wraps
	// with " \" continuations instead of being cut.
	manualCommand bool
	// cert: run by the certificate component (certRun), not as argv.
	cert bool
	// command, when set, chooses the command as the step runs, from how
	// the host runs its services then (see nextsteps_host.go): argv is
	// shown until it ran, then replaced by what it ran; hint says, until
	// then, what else it may run.
	command stepCommand
	hint    string

	state  stepState
	output string
}

// defaultSteps are the commands after writing: init.lua lines (by hand),
// then nginx and systemd.
// The init.lua lines are those for shape, the host's init.lua as the
// review's command read it (sources:setup, own egress handlers, or
// minimal).
// h is how the host runs its services, asked as the steps run.
func defaultSteps(l writer.Layout, h writer.ServiceHost, cert certStatus, shape writer.PolicyShape) []step {
	var steps []step
	if cert.Missing() {
		steps = append(steps, certSteps(l, cert)...)
	}
	lines, err := writer.InitLuaLinesFor(l, shape)
	if err != nil {
		lines = "-- " + err.Error()
	}
	steps = append(steps,
		step{title: "Add these lines to " + l.PolicyInit() + " (kumoup never edits it; its shape: " + shape.String() + "), then check it with kumoup policy validate", manual: strings.TrimSuffix(lines, "\n")},
		step{title: "Check the nginx configuration", argv: []string{"nginx", "-t"}},
		reloadNginxStep(h),
		systemdStep(h, "Load the environment file (systemd drop-in)", []string{"systemctl", "daemon-reload"}, daemonReloadWithout(l)),
		systemdStep(h, "Restart KumoMTA (after editing init.lua)", []string{"systemctl", "restart", "kumomta"}, restartKumodWithout(l)),
	)
	return steps
}

// stepDoneMsg is the result of running step i: the command it ran
// (argv, when the step chose it as it ran), or why it does not apply on
// this host (notApplicable, nothing ran).
type stepDoneMsg struct {
	i             int
	argv          []string
	notApplicable string
	output        string
	err           error
}

func (stepDoneMsg) route() screen { return screenNextSteps }

// screenNextSteps is the commands to run now.
const screenNextSteps screen = "nextsteps"

// runStepCmd runs step i's command, choosing it first when the step
// chooses (s.command: the host is asked here, in the command, never in
// Update).
func runStepCmd(ctx context.Context, i int, s step) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, StepTimeout)
		defer cancel()
		argv := s.argv
		var chosen []string
		if s.command != nil {
			var why string
			if chosen, why = s.command(ctx); chosen == nil {
				return stepDoneMsg{i: i, notApplicable: why}
			}
			argv = chosen
		}
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		return stepDoneMsg{i: i, argv: chosen, output: string(out), err: err}
	}
}

// nextSteps lists the steps and, when allowed, runs the commands in order,
// stopping at the first failure.
type nextSteps struct {
	steps  []step
	canRun bool
	scroll scroller
	st     *Styles
	keys   *KeyMap
	width  int
	host   writer.Host // HostProxy: the KumoProxy host's steps (no dashboard, nothing to go back to)
	cert   certRun     // the certificate step's run, once started
}

// newNextSteps lists host's steps (Options.steps in tests).
func newNextSteps(opt Options, host writer.Host, cert certStatus, shape writer.PolicyShape, canRun bool, st *Styles, k *KeyMap) *nextSteps {
	steps := opt.steps
	services := opt.serviceHost
	if services == (writer.ServiceHost{}) {
		services = writer.ThisHost
	}
	switch {
	case steps != nil:
	case host == writer.HostProxy:
		steps = proxySteps(opt.Layout, services)
	default:
		steps = defaultSteps(opt.Layout, services, cert, shape)
	}
	n := &nextSteps{steps: append([]step(nil), steps...), st: st, keys: k, canRun: canRun, host: host}
	n.refresh()
	return n
}

// nextStepsScreen is the next steps screen (nil until it opened).
func (m *Model) nextStepsScreen() *nextSteps {
	n, _ := m.screens[screenNextSteps].(*nextSteps)
	return n
}

// openNextSteps lists the flow's next steps.
func (m *Model) openNextSteps() {
	var cert certStatus
	var shape writer.PolicyShape
	if r := m.reviewScreen(); r != nil {
		cert, shape = r.msg.cert, r.msg.shape
	}
	m.open(screenNextSteps, newNextSteps(m.opt, m.host, cert, shape, m.canRunSteps(), m.st, m.keys))
}

func (n *nextSteps) Title() (string, string) { return flowTitle(n.host), "next steps" }

// ShortHelp: f is named on the screen's own line on the MTA host; the
// short help would overflow 80 columns with it.
func (n *nextSteps) ShortHelp() []key.Binding {
	k := n.keys
	return append(n.actions(false), k.Scroll.Up, k.Scroll.Down, k.Global.Help)
}

func (n *nextSteps) FullHelp() [][]key.Binding {
	return [][]key.Binding{n.actions(true), n.keys.Scroll.scrollKeys()}
}

// actions are the screen's own keys; full adds the firewall's on the MTA
// host.
func (n *nextSteps) actions(full bool) []key.Binding {
	k := n.keys.NextSteps
	var out []key.Binding
	if n.canRun {
		out = append(out, k.Run)
	}
	if n.host == writer.HostProxy {
		return append(out, k.Firewall, n.keys.Global.QuitQ)
	}
	out = append(out, k.Dashboard, k.Back, n.keys.Global.QuitQ)
	if full {
		out = append(out, k.Firewall)
	}
	return out
}

func (n *nextSteps) SetSize(w, h int) {
	n.width = w
	n.cert.SetSize(w-3, h)
	below := 1 // the keys
	if n.st != nil {
		below = lipgloss.Height(n.bottom(n.st))
	}
	n.scroll.SetHeight(h - 1 - below)
	n.refresh()
}

func (n *nextSteps) refresh() {
	if n.st == nil {
		return
	}
	n.scroll.SetLines(n.lines())
}

func (n nextSteps) lines() []string {
	st := n.st
	var out []string
	for i, s := range n.steps {
		head := fmt.Sprintf("%d. %s", i+1, s.title)
		switch s.state {
		case stepRunning:
			head += " " + st.Muted.Render(glyphRunning+" running")
		case stepOK:
			head += " " + st.Pass.Render(glyphPass+" done")
		case stepFailed:
			head += " " + st.Fail.Render(glyphFail+" failed")
		case stepNA:
			head += " " + st.Skip.Render(glyphSkip+" not applicable here")
		}
		for _, l := range wrapIndented(head, n.width, 3) {
			out = append(out, st.Heading.Render(l))
		}
		// Commands and lines to paste are wrapped, never cut: the operator
		// copies them as shown.
		codeW := n.width - 3
		if s.cert && (n.cert.running || n.cert.done) {
			for _, l := range n.cert.Lines(st) {
				out = append(out, "   "+l)
			}
			out = append(out, "")
			continue
		}
		switch {
		case s.argv != nil:
			for _, l := range wrapCommand(strings.Join(s.argv, " "), codeW) {
				out = append(out, "   "+st.Code.Render(l))
			}
			if s.hint != "" {
				for _, l := range wrapLines(s.hint, codeW) {
					out = append(out, "   "+st.Muted.Render(l))
				}
			}
		case s.manualCommand:
			for _, l := range wrapCommand(s.manual, codeW) {
				out = append(out, "   "+st.Code.Render(l))
			}
		default:
			for _, line := range strings.Split(s.manual, "\n") {
				for _, l := range wrapLua(line, codeW) {
					out = append(out, "   "+st.Code.Render(l))
				}
			}
		}
		if s.output != "" {
			for _, line := range strings.Split(strings.TrimRight(s.output, "\n"), "\n") {
				for _, l := range wrapLines(line, codeW-2) {
					out = append(out, "   "+st.Muted.Render("│ "+l))
				}
			}
		}
		out = append(out, "")
	}
	return out
}

// stepState is where a next step, or a step of the certificate's run,
// stands; the zero value is not run yet.
type stepState string

const (
	stepRunning stepState = "running"
	stepOK      stepState = "ok"
	stepFailed  stepState = "failed"
	stepNA      stepState = "n/a" // the command does not apply on this host
)

// finished reports whether the step is behind the operator: it ran, or
// does not apply on this host.
func (s step) finished() bool { return s.state == stepOK || s.state == stepNA }

// running reports whether a command is running (the rest wait for it).
func (n nextSteps) running() bool {
	return slices.ContainsFunc(n.steps, func(s step) bool { return s.state == stepRunning })
}

// firstRunnable returns the index of the first command not yet done at or
// after i, or -1.
func (n nextSteps) firstRunnable(i int) int {
	for ; i < len(n.steps); i++ {
		if (n.steps[i].argv != nil || n.steps[i].cert) && !n.steps[i].finished() {
			return i
		}
	}
	return -1
}

func (m *Model) canRunSteps() bool {
	p := m.preflightScreen()
	return m.opt.AllowRunNextSteps && p != nil && p.facts.Root
}

func (n *nextSteps) Update(m *Model, msg tea.Msg) tea.Cmd {
	k := n.keys.NextSteps
	switch msg := msg.(type) {
	case certEventMsg, certDoneMsg:
		return m.updateCert(msg)
	case stepDoneMsg:
		s := &n.steps[msg.i]
		s.output = msg.output
		if msg.argv != nil {
			s.argv, s.hint = msg.argv, ""
		}
		if msg.notApplicable != "" {
			s.state, s.output, s.hint = stepNA, msg.notApplicable, ""
			return n.next(m, msg.i)
		}
		if msg.err != nil {
			s.state = stepFailed
			if s.output == "" {
				s.output = msg.err.Error()
			}
			n.refresh()
			return nil
		}
		s.state = stepOK
		return n.next(m, msg.i)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, n.keys.Global.QuitQ):
			return m.quit(false)
		case key.Matches(msg, k.Run) && n.canRun && m.canRunSteps() && !n.running():
			if i := n.firstRunnable(0); i >= 0 {
				n.steps[i].state = stepRunning
				n.refresh()
				return m.startStep(i)
			}
		case key.Matches(msg, n.keys.NextSteps.BehindNAT) && m.canRunSteps() && !n.running() && n.cert.offersNAT():
			return m.retryBehindNAT()
		case key.Matches(msg, k.Firewall):
			return m.openFirewall(m.deployment, m.host, screenNextSteps)
		case key.Matches(msg, k.Dashboard) && n.host != writer.HostProxy:
			return m.openDashboard()
		case key.Matches(msg, k.Back) && n.host != writer.HostProxy:
			m.goTo(screenConnection)
		default:
			n.scroll.Update(msg, n.keys.Scroll)
		}
	}
	return nil
}

// next starts the first command after step i not yet done.
func (n *nextSteps) next(m *Model, i int) tea.Cmd {
	n.refresh()
	if i := n.firstRunnable(i + 1); i >= 0 {
		n.steps[i].state = stepRunning
		n.refresh()
		return m.startStep(i)
	}
	return nil
}

// View renders the steps and what the keys do here.
func (n *nextSteps) View() string {
	return n.scroll.View(n.st) + "\n\n" + n.bottom(n.st)
}

// bottom is what the keys do here.
func (n nextSteps) bottom(st *Styles) string {
	q := "d: open the dashboard · f: firewall · q: quit"
	if n.host == writer.HostProxy {
		q = "f: review and load the firewall rules · q: quit"
	}
	if n.canRun {
		q = "r: run the commands in order · " + q
	}
	if n.running() {
		q = "running the commands…"
	}
	q = st.Heading.Render(wrapText(q, max(n.width, 20)))
	return q
}
