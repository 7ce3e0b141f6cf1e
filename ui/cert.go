package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// certRun is the certificate step of a fresh host (what `kumoup cert`
// does): it runs acme.Bootstrap in a command and shows each of its steps
// and certbot's output as they come. Plain state; the run itself happens
// in the command and reports through messages.
type certRun struct {
	cfg   acme.Config
	state map[acme.Step]stepState // stepRunning, stepOK, stepFailed
	// output is the recent output lines (certbot's, the checks'),
	// newest last, at most certOutputLines.
	output  []string
	running bool
	done    bool
	res     acme.Result
	err     error
	width   int
}

// offersNAT reports whether the run failed because the name resolves to
// an address this host does not hold, which a NAT in front of it explains:
// n then retries with the operator's confirmation (acme.Config.BehindNAT).
func (c certRun) offersNAT() bool {
	var f *acme.Failure
	return c.done && !c.cfg.BehindNAT && errors.As(c.err, &f) && f.Kind == acme.KindName && strings.Contains(f.Cause, "not an address of this host")
}

// certOutputLines bounds the output kept on screen.
const certOutputLines = 8

// certEventMsg is one progress event of the run reading from ch.
type certEventMsg struct {
	e  acme.Event
	ch <-chan tea.Msg
}

// certDoneMsg ends the run.
type certDoneMsg struct {
	res acme.Result
	err error
}

func newCertRun(cfg acme.Config) certRun {
	return certRun{cfg: cfg, state: map[acme.Step]stepState{}}
}

// Start returns the command that runs the bootstrap; its events arrive
// as certEventMsg, its end as certDoneMsg.
func (c *certRun) Start(ctx context.Context) tea.Cmd {
	c.running, c.done, c.err, c.output = true, false, nil, nil
	c.state = map[acme.Step]stepState{}
	cfg := c.cfg
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		cfg.Progress = func(e acme.Event) {
			select {
			case ch <- certEventMsg{e: e, ch: ch}:
			case <-ctx.Done():
			}
		}
		go func() {
			res, err := acme.Bootstrap(ctx, cfg)
			ch <- certDoneMsg{res: res, err: err}
			close(ch)
		}()
		return <-ch
	}
}

// waitCert reads the run's next message.
func waitCert(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Update takes the run's messages; the command reads the next one.
func (c certRun) Update(msg tea.Msg) (certRun, tea.Cmd) {
	switch msg := msg.(type) {
	case certEventMsg:
		e := msg.e
		switch {
		case e.Done && e.Err != nil:
			c.state[e.Step] = stepFailed
		case e.Done:
			c.state[e.Step] = stepOK
		case e.Line != "":
			c.output = append(c.output, e.Line)
			if len(c.output) > certOutputLines {
				c.output = c.output[len(c.output)-certOutputLines:]
			}
		default:
			c.state[e.Step] = stepRunning
		}
		return c, waitCert(msg.ch)
	case certDoneMsg:
		c.running, c.done, c.res, c.err = false, true, msg.res, msg.err
	}
	return c, nil
}

// SetSize sets the width the lines wrap to.
func (c *certRun) SetSize(w, _ int) { c.width = w }

// Lines renders the run: each step with its state, the recent output, and
// at the end what was obtained or why not, with the fix.
func (c certRun) Lines(st *Styles) []string {
	w := max(c.width, 20)
	var out []string
	add := func(render func(...string) string, text string, indent int) {
		for _, l := range wrapIndented(strings.Repeat(" ", indent)+text, w, indent+2) {
			out = append(out, render(l))
		}
	}
	for _, s := range acme.Steps() {
		switch c.state[s] {
		case stepRunning:
			add(st.Muted.Render, glyphRunning+" "+s.String(), 0)
		case stepOK:
			add(st.Pass.Render, glyphPass+" "+s.String(), 0)
		case stepFailed:
			add(st.Fail.Render, glyphFail+" "+s.String(), 0)
		default:
			if c.done && c.res.Already && s != acme.StepFullSite {
				continue
			}
			add(st.Skip.Render, glyphSkip+" "+s.String(), 0)
		}
	}
	if c.running {
		for _, l := range c.output {
			for _, wl := range wrapLines(l, w-4) {
				out = append(out, st.Muted.Render("  │ "+wl))
			}
		}
	}
	if !c.done {
		return out
	}
	var f *acme.Failure
	switch {
	case c.err == nil && c.res.Already:
		add(st.Pass.Render, "The certificate already exists: the full site is in place.", 0)
	case c.err == nil:
		add(st.Pass.Render, fmt.Sprintf("Certificate obtained: %s", c.res.Certificate), 0)
		add(st.Muted.Render, "renewal: certbot's timer runs certbot renew; "+c.res.Hook+" reloads nginx", 0)
		if c.res.NoEmail {
			add(st.Warn.Render, glyphWarn+" registered without an e-mail address: Let's Encrypt cannot warn you before it expires (acme_email)", 0)
		}
	case errors.As(c.err, &f):
		add(st.Fail.Render, "Not obtained: "+f.Cause, 0)
		add(st.Heading.Render, "Fix: "+f.Fix, 0)
		add(st.Muted.Render, "The site stays HTTP only, and nginx keeps loading it. Fix the cause, then r runs this again.", 0)
		if c.offersNAT() {
			add(st.Heading.Render, "n: this host is behind NAT and that address forwards port 80 here: retry without the address check", 0)
		}
	default:
		add(st.Fail.Render, "Not obtained: "+c.err.Error(), 0)
		add(st.Muted.Render, "The site stays HTTP only, and nginx keeps loading it.", 0)
	}
	return out
}

// Summary is one line for the step's output once done.
func (c certRun) Summary() string {
	if c.err != nil {
		return c.err.Error()
	}
	return "certificate at " + c.res.Certificate
}

// certSteps are the next steps of a host whose certificate is missing: the
// certbot package when it is not installed, then the certificate itself
// (run by certRun when the steps may run, else shown as the command).
func certSteps(l writer.Layout, cert certStatus) []step {
	var steps []step
	if !cert.Certbot {
		steps = append(steps, step{title: "Install certbot (Debian's package, with its renewal timer)", argv: []string{"apt-get", "install", "-y", "certbot"}})
	}
	return append(steps, step{
		title:         "Obtain the certificate: the site is " + writer.HTTPOnlyNote,
		manual:        writer.CertCommand(l),
		manualCommand: true,
		cert:          true,
	})
}

// certConfig is the run of the certificate step for the deployment just
// written: on this host, nginx reloaded as `kumoup cert` does.
func (m Model) certConfig() acme.Config {
	d := m.deployment
	var t probes.Target
	if m.opt.Target != nil {
		t = *m.opt.Target
	}
	t.Deployment, t.Layout = d, m.opt.Layout
	cfg := acme.Config{Deployment: d, Layout: m.opt.Layout, Apply: acme.HostApply(m.opt.Layout, io.Discard), Target: &t,
		Server: m.opt.Cert.Server, Staging: m.opt.Cert.Staging, BehindNAT: m.opt.Cert.BehindNAT}
	if m.opt.certConfig != nil {
		cfg = m.opt.certConfig(cfg)
	}
	return cfg
}

// startStep starts next step i: the certificate run, or its command.
func (m *Model) startStep(i int) tea.Cmd {
	n := m.nextStepsScreen()
	if !n.steps[i].cert {
		return runStepCmd(m.ctx, i, n.steps[i])
	}
	nat := n.cert.cfg.BehindNAT
	n.cert = newCertRun(m.certConfig())
	n.cert.cfg.BehindNAT = n.cert.cfg.BehindNAT || nat
	n.cert.SetSize(n.width-3, 0)
	return n.cert.Start(m.ctx)
}

// retryBehindNAT runs the certificate step again, the operator having
// confirmed that the name's address forwards to this host.
func (m *Model) retryBehindNAT() tea.Cmd {
	n := m.nextStepsScreen()
	i := slices.IndexFunc(n.steps, func(s step) bool { return s.cert })
	if i < 0 {
		return nil
	}
	n.cert.cfg.BehindNAT = true
	n.steps[i].state = stepRunning
	cmd := m.startStep(i)
	n.refresh()
	return cmd
}

// updateCert passes the run's messages to it; its end ends the step, as
// a command's does.
func (m *Model) updateCert(msg tea.Msg) tea.Cmd {
	n := m.nextStepsScreen()
	var cmd tea.Cmd
	n.cert, cmd = n.cert.Update(msg)
	n.refresh()
	if done, ok := msg.(certDoneMsg); ok {
		i := slices.IndexFunc(n.steps, func(s step) bool { return s.cert })
		if i >= 0 {
			return n.Update(m, stepDoneMsg{i: i, output: n.cert.Summary(), err: done.err})
		}
	}
	return cmd
}

func (certEventMsg) route() screen { return screenNextSteps }
func (certDoneMsg) route() screen  { return screenNextSteps }
