package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// rotation is the dashboard's token rotation (key t): the same steps as
// kumoup rotate, one per row. A self-contained component: the dashboard
// routes its messages here while it is open (routeRotation) and shows its
// View instead of the panes. Every file is read and written in commands,
// never in Update; the new token is masked unless revealed (v, 10 s) or
// copied (c, OSC 52).
type rotation struct {
	layout writer.Layout
	now    func() time.Time
	// home is the screen the pane is shown on: its commands' messages go
	// there (the dashboard's, or the setup's after the token page started a
	// webhook rotation, see rotate_setup.go).
	home screen
	// leave is what esc does, for the pane's last line.
	leave string

	loaded bool
	// reloading: a step changed the files and the state on disk is being
	// read again; r.d is stale until its rotationStateMsg. esc meanwhile
	// leaves once it arrives (leaveLoaded), so whoever the pane hands the
	// deployment to gets the one on disk.
	reloading, leaveLoaded bool
	d                      model.Deployment // as on disk
	pending                bool             // a new webhook token waits for the app
	since                  time.Time

	selected int
	armed    int // the step whose confirmation is pending, -1 for none
	running  bool
	status   string
	err      error // the last step's
	loadErr  error // reading the state on disk

	token    string // the new token of the last step, for reveal and copy
	label    string
	revealed bool
	seq      int
	changed  bool // a step wrote a file: the dashboard reloads the deployment on leaving
}

// rotationStep is one row of the rotation pane.
type rotationStep int

const (
	stepRotateInjection rotationStep = iota
	stepFinishInjection
	stepNewWebhook
	stepConfirmWebhook
	stepCancelWebhook
)

var rotationSteps = []struct {
	title, confirm string
}{
	{"Rotate the injection token (nginx accepts both for the grace period)", ""},
	{"Finish: drop the retired injection token", "the app must send the new token: nginx will refuse the old one"},
	{"New webhook token (kept aside until the app accepts it)", ""},
	{"The app accepts the new webhook token: switch kumod", "writes it into the environment file; kumomta must restart"},
	{"Forget the pending webhook token", ""},
}

// Messages of the rotation's commands.
type (
	rotationStateMsg struct {
		to      screen
		d       model.Deployment
		pending bool
		since   time.Time
		err     error
	}
	rotationDoneMsg struct {
		to     screen
		status string
		token  string // a new token, shown masked
		label  string
		err    error
	}
	rotationRemaskMsg struct {
		to  screen
		seq int
	}
)

func newRotation(l writer.Layout, now func() time.Time) *rotation {
	return &rotation{layout: l, now: now, armed: -1, home: screenDashboard, leave: "back to the dashboard"}
}

// loadCmd reads the rotation state from disk.
func (r *rotation) loadCmd(ctx context.Context) tea.Cmd {
	l, to := r.layout, r.home
	return func() tea.Msg {
		d, err := writer.Load(l)
		if err != nil {
			return rotationStateMsg{to: to, err: err}
		}
		_, since, perr := writer.PendingWebhook(ctx, l)
		if perr != nil && !errors.Is(perr, writer.ErrNoWebhookRotation) {
			return rotationStateMsg{to: to, d: d, err: perr}
		}
		return rotationStateMsg{to: to, d: d, pending: perr == nil, since: since}
	}
}

// stepCmd runs step as kumoup rotate does: plan the one file, apply it.
func (r *rotation) stepCmd(ctx context.Context, step rotationStep) tea.Cmd {
	l, d, now, to := r.layout, r.d, r.now(), r.home
	return func() tea.Msg {
		msg := runRotationStep(ctx, step, l, d, now)
		msg.to = to
		return msg
	}
}

// step runs step on d, as read from the disk under l (in a command).
func runRotationStep(ctx context.Context, step rotationStep, l writer.Layout, d model.Deployment, now time.Time) rotationDoneMsg {
	if err := writer.RequireRoot(l); err != nil {
		return rotationDoneMsg{err: err}
	}
	write := func(next model.Deployment, path string) error {
		p, err := writer.PlanRotation(next, l, path)
		if err != nil {
			return err
		}
		_, err = p.Apply(ctx, writer.ApplyOptions{SkipChown: !writer.CanChown() && !l.IsHost()})
		return err
	}
	switch step {
	case stepRotateInjection:
		tok, err := model.NewToken()
		if err != nil {
			return rotationDoneMsg{err: err}
		}
		next, err := d.RotateInjection(tok, now)
		if err == nil {
			err = write(next, l.TokenFile(d.Domain))
		}
		if err != nil {
			return rotationDoneMsg{err: err}
		}
		return rotationDoneMsg{token: tok, label: "New injection token",
			status: next.RotationStatus() + ". Next: nginx -t && systemctl reload nginx, give the app the new token, then finish."}
	case stepFinishInjection:
		next, err := d.FinishRotation()
		if err == nil {
			err = write(next, l.TokenFile(d.Domain))
		}
		if err != nil {
			return rotationDoneMsg{err: err}
		}
		return rotationDoneMsg{status: "Rotation finished: only " + model.Fingerprint(next.InjectionToken) + " is accepted once nginx reloads. Next: nginx -t && systemctl reload nginx."}
	case stepNewWebhook:
		tok, err := model.NewToken()
		if err == nil {
			err = writer.StartWebhookRotation(ctx, l, tok)
		}
		if err != nil {
			return rotationDoneMsg{err: err}
		}
		return rotationDoneMsg{token: tok, label: "New webhook token",
			status: "kumod still sends " + model.Fingerprint(d.WebhookToken) + ". Next: make the app accept the new token as well, then switch kumod."}
	case stepConfirmWebhook:
		tok, _, err := writer.PendingWebhook(ctx, l)
		if err != nil {
			return rotationDoneMsg{err: err}
		}
		next := d
		next.WebhookToken = tok
		if err := write(next, l.EnvFile()); err != nil {
			return rotationDoneMsg{err: err}
		}
		if err := writer.CancelWebhookRotation(l); err != nil {
			return rotationDoneMsg{err: err}
		}
		return rotationDoneMsg{status: "Webhook token switched in " + l.EnvFile() + ". Next: systemctl restart kumomta; once events arrive with it, the app can drop the old token."}
	default:
		if err := writer.CancelWebhookRotation(l); err != nil {
			return rotationDoneMsg{err: err}
		}
		return rotationDoneMsg{status: "Pending webhook token forgotten: kumod keeps sending " + model.Fingerprint(d.WebhookToken) + "."}
	}
}

// routeRotation hands msg to the open rotation pane, if any; ok reports
// that it took the message. Leaving the pane after a step reopens the
// dashboard on the deployment as it is now on disk.
func (d *dashboard) routeRotation(m *Model, msg tea.Msg) (tea.Cmd, bool) {
	if km, ok := msg.(tea.KeyPressMsg); ok && d.rotation == nil && key.Matches(km, d.keys.Dashboard.Rotate) {
		d.rotation = newRotation(m.opt.Layout, m.opt.now)
		return d.rotation.loadCmd(m.ctx), true
	}
	r := d.rotation
	if r == nil {
		return nil, false
	}
	cmd, took, leave := r.update(m.ctx, d.keys, msg)
	if leave {
		d.rotation = nil
		if r.changed && r.loaded {
			m.deployment = r.d
			return m.openDashboard(), true
		}
	}
	return cmd, took
}

// update handles msg on the open pane, wherever it is shown: took reports
// that the pane used it (q is left to the screen, which quits), leave that
// esc asked to leave the pane.
func (r *rotation) update(ctx context.Context, k *KeyMap, msg tea.Msg) (cmd tea.Cmd, took, leave bool) {
	switch msg := msg.(type) {
	case rotationStateMsg:
		r.loaded, r.d, r.pending, r.since, r.loadErr = msg.err == nil, msg.d, msg.pending, msg.since, msg.err
		r.reloading = false
		if r.leaveLoaded {
			r.leaveLoaded = false
			return nil, true, true
		}
		return nil, true, false
	case rotationDoneMsg:
		r.running, r.err = false, msg.err
		if msg.err == nil {
			r.status, r.token, r.label, r.revealed, r.changed = msg.status, msg.token, msg.label, false, true
		}
		r.reloading = true
		return r.loadCmd(ctx), true, false
	case rotationRemaskMsg:
		if msg.seq == r.seq {
			r.revealed = false
		}
		return nil, true, false
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Global.QuitQ):
			return nil, false, false
		case key.Matches(msg, k.Connection.Back):
			r.revealed = false
			if r.reloading {
				r.leaveLoaded = true // as soon as the state on disk is read
				return nil, true, false
			}
			return nil, true, true
		case r.running:
		case key.Matches(msg, k.Connection.Up):
			r.selected, r.armed = (r.selected+len(rotationSteps)-1)%len(rotationSteps), -1
		case key.Matches(msg, k.Connection.Down):
			r.selected, r.armed = (r.selected+1)%len(rotationSteps), -1
		case key.Matches(msg, k.Connection.Reveal) && r.token != "":
			r.seq++
			r.revealed = true
			seq, to := r.seq, r.home
			return tea.Tick(RevealFor, func(time.Time) tea.Msg { return rotationRemaskMsg{to: to, seq: seq} }), true, false
		case key.Matches(msg, k.Connection.Copy) && r.token != "":
			r.status = r.label + " sent to your terminal's clipboard (OSC 52; the terminal must allow it)"
			return tea.SetClipboard(r.token), true, false
		case key.Matches(msg, k.Connection.Continue) && r.loaded && !r.reloading:
			step := rotationSteps[r.selected]
			if step.confirm != "" && r.armed != r.selected {
				r.armed = r.selected
				return nil, true, false
			}
			r.armed, r.running, r.err, r.token, r.revealed = -1, true, nil, "", false
			return r.stepCmd(ctx, rotationStep(r.selected)), true, false
		}
		return nil, true, false
	}
	return nil, false, false
}

// routeTo is where a rotation message goes: its pane's screen, the
// dashboard's when unset.
func routeTo(s screen) screen {
	if s == "" {
		return screenDashboard
	}
	return s
}

func (msg rotationStateMsg) route() screen  { return routeTo(msg.to) }
func (msg rotationDoneMsg) route() screen   { return routeTo(msg.to) }
func (msg rotationRemaskMsg) route() screen { return routeTo(msg.to) }

// View renders the state on disk, the steps and the last step's outcome.
func (r *rotation) View(st *Styles, width int) string {
	var out []string
	add := func(style func(...string) string, s string) {
		for _, l := range wrapLines(s, max(width, 20)) {
			out = append(out, style(l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, " ") }
	add(st.Heading.Render, "Token rotation")
	switch {
	case r.loadErr != nil:
		add(st.Fail.Render, glyphFail+" "+r.loadErr.Error())
	case !r.loaded:
		add(st.Muted.Render, "reading the tokens on disk…")
	default:
		inj := "no rotation in progress"
		if r.d.Rotating() {
			inj = r.d.RotationStatus() + " (" + model.Fingerprint(r.d.RetiredInjectionToken) + ")"
		}
		add(plain, "Injection token "+model.Fingerprint(r.d.InjectionToken)+": "+inj)
		hook := "kumod sends it; no new token pending"
		if r.pending {
			hook = "a new token waits since " + r.since.UTC().Format("2006-01-02 15:04 MST") + " for the app"
		}
		add(plain, "Webhook token "+model.Fingerprint(r.d.WebhookToken)+": "+hook)
	}
	out = append(out, "")
	for i, s := range rotationSteps {
		marker := "  "
		if i == r.selected {
			marker = st.Selected.Render(">") + " "
		}
		out = append(out, marker+s.title)
		if i == r.armed {
			for _, l := range wrapLines(glyphWarn+" "+s.confirm+": press enter again", max(width-4, 20)) {
				out = append(out, "    "+st.Warn.Render(l))
			}
		}
	}
	out = append(out, "")
	switch {
	case r.running:
		add(st.Muted.Render, "writing…")
	case r.err != nil:
		add(st.Fail.Render, glyphFail+" "+r.err.Error())
	case r.status != "":
		if r.token != "" {
			value := model.Mask(r.token) + " (" + model.Fingerprint(r.token) + ")  v: reveal 10 s, c: copy"
			style := st.Muted.Render
			if r.revealed {
				value, style = r.token, st.Secret.Render
			}
			out = append(out, r.label+": "+style(value))
		}
		add(st.Pass.Render, glyphPass+" "+r.status)
	}
	add(st.Muted.Render, fmt.Sprintf("↑/↓ choose · enter run · esc %s · q quit (the CLI: kumoup rotate)", r.leave))
	return strings.Join(out, "\n")
}
