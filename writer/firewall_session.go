package writer

import (
	"context"
	"fmt"

	"github.com/kumoup/kumoup/model"
)

// FirewallActions are a firewall session's side effects on the host. A
// nil field takes the default noted beside it; tests inject them so they
// never touch the host's firewall.
type FirewallActions struct {
	// UFWActive reports whether ufw is active (default: `ufw status`; no
	// ufw installed is inactive).
	UFWActive func(ctx context.Context) (bool, error)
	// Guard refuses rules that would lock the operator out (default:
	// none; kumoup's commands pass their SSH guard).
	Guard func(d model.Deployment) error
	// Load loads the rules file at path and returns what it printed
	// (default: LoadRules, `nft -f PATH`).
	Load func(ctx context.Context, path string) ([]byte, error)
}

// FirewallSession is one change of a host's firewall, the same for
// `kumoup firewall` and the setup's firewall screen: the rules rendered
// for the deployment, checked with nft -c, what ufw and the SSH guard say
// about loading them; then, once confirmed, written and loaded (Load).
type FirewallSession struct {
	Deployment model.Deployment
	Host       Host
	// File is the rendered rules file (its path under the layout).
	File File
	// CheckErr is nft -c's refusal, or why it could not run (ErrNoNft).
	CheckErr error
	// UFW reports ufw active: nothing is loaded, UFWCommands are the same
	// rules as ufw commands. UFWErr is why ufw's status or its commands
	// could not be had.
	UFW         bool
	UFWErr      error
	UFWCommands []string
	// GuardErr is the guard's refusal (loading would lock the operator
	// out), when Prepare was asked to guard.
	GuardErr error

	// Actions are the session's side effects (Load guards and loads with
	// them).
	Actions FirewallActions
}

// PrepareFirewall renders host's rules for d under l, checks them with
// nft -c, and asks whether ufw is active and, when guard is true, whether
// the rules would lock the operator out. Its error is that the rules
// cannot be rendered; everything else is in the session.
func PrepareFirewall(ctx context.Context, d model.Deployment, host Host, l Layout, a FirewallActions, guard bool) (*FirewallSession, error) {
	f, err := RenderFirewall(d, host, l)
	if err != nil {
		return nil, err
	}
	s := &FirewallSession{Deployment: d, Host: host, File: f, Actions: a}
	s.CheckErr = CheckRulesContent(ctx, f.Content)
	ufw := a.UFWActive
	if ufw == nil {
		ufw = func(ctx context.Context) (bool, error) { return UFWActive(ctx, "") }
	}
	s.UFW, s.UFWErr = ufw(ctx)
	if s.UFW {
		s.UFWCommands, s.UFWErr = UFWCommands(d, host)
	}
	if guard && a.Guard != nil {
		s.GuardErr = a.Guard(d)
	}
	return s, nil
}

// Load guards again (the session may have changed since Prepare), writes
// the rules file (unchanged content is kept; a replaced file is backed
// up) and loads it, returning what the loader printed.
func (s *FirewallSession) Load(ctx context.Context, opts ApplyOptions) ([]byte, error) {
	if s.Actions.Guard != nil {
		if err := s.Actions.Guard(s.Deployment); err != nil {
			return nil, err
		}
	}
	plan, err := NewPlan([]File{s.File})
	if err != nil {
		return nil, err
	}
	if _, err := plan.Apply(ctx, opts); err != nil {
		return nil, fmt.Errorf("write %s: %w", s.File.Path, err)
	}
	load := s.Actions.Load
	if load == nil {
		load = LoadRules
	}
	return load(ctx, s.File.Path)
}
