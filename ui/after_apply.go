package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// afterApplyMsg is the result of Options.AfterApply.
type afterApplyMsg struct {
	target probes.Target
	err    error
	cert   certStatus // the certificate, looked at again once the hook ran
}

// afterApplyCmd runs Options.AfterApply for d, in a command.
func afterApplyCmd(ctx context.Context, hook func(context.Context, model.Deployment) (probes.Target, error), d model.Deployment, l writer.Layout) tea.Cmd {
	return func() tea.Msg {
		t, err := hook(ctx, d)
		// The hook may have made the certificate (the demo's certbot
		// stand-in): what the review found before is stale.
		return afterApplyMsg{target: t, err: err, cert: checkCert(d, l)}
	}
}

// afterApplyLabel is what Options.AfterApply does, for the apply screen.
func (o Options) afterApplyLabel() string {
	if o.AfterApplyLabel != "" {
		return o.AfterApplyLabel
	}
	return "the step after writing"
}

func (afterApplyMsg) route() screen { return screenApplying }

// afterApply records the hook's outcome: on success the dashboard checks
// and scrapes the target it returned, and an enter pressed while it ran
// goes on to the next screen.
func (a *applyView) afterApply(m *Model, msg afterApplyMsg) tea.Cmd {
	a.afterRunning = false
	if msg.err != nil {
		a.afterErr = fmt.Errorf("%s: %w", m.opt.afterApplyLabel(), msg.err)
	} else {
		t := msg.target
		m.opt.Target = &t
		a.afterErr = nil
	}
	a.afterDone = true
	if r := m.reviewScreen(); r != nil && msg.cert.Checked {
		r.msg.cert = msg.cert
	}
	m.relayout()
	if a.afterEnter && msg.err == nil && m.screen == screenApplied {
		// The operator already pressed enter; an error stays on screen.
		m.afterFiles()
	}
	return nil
}
