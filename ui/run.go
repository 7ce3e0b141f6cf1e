package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
	"github.com/kumoup/kumoup/writer"
)

// Start is where the UI starts: which entry screen [Run] opens first.
// (The screens themselves are the unexported components the Model
// routes between; Start only chooses the first.)
type Start int

// The entry points.
const (
	// StartWizard starts the setup wizard at its preflight screen.
	StartWizard Start = iota
	// StartDashboard opens the live dashboard of the deployment in Prefill.
	StartDashboard
	// StartProxyWizard starts the KumoProxy host's wizard at its
	// preflight screen (Prefill: the answers already on the host).
	StartProxyWizard
	// StartFirewall shows FirewallHost's rules for Prefill and loads them
	// only after the typed confirmation; Run then returns ErrNotLoaded
	// unless they were loaded.
	StartFirewall
)

// Options configure [Run] and [NewModel].
type Options struct {
	// Start is the entry point: the first screen.
	Start Start
	// Layout is where files are written (wizard) and read.
	Layout writer.Layout
	// Render tunes rendering (the demo's loopback ports); its Layout is
	// replaced by Layout.
	Render writer.Options
	// Prefill fills the wizard (an existing deployment, or the demo's
	// answers) and is the deployment the dashboard watches.
	// PrefillSource says where it came from ("/etc/kumoup/kumoup.yaml",
	// "demo answers").
	Prefill       *model.Deployment
	PrefillSource string
	// Target is what the dashboard's checks run against (ports,
	// ConnectTo, RootCAs); its Deployment and Layout are filled from the
	// wizard or Prefill. Nil means the defaults of a real host.
	Target *probes.Target
	// Checks are the dashboard's checks; nil means probes.Catalogue().
	Checks []probes.Check
	// Scrape configures the dashboard's scraper. URL and Token go through
	// metrics.ConfigFor, as kumoup metrics' --url and --token-file do: an
	// empty URL means the deployment's metrics URL (on Target's
	// HTTPSPort); the token (Token, else the deployment's injection
	// token) is sent only over verified https, never with
	// Target.Insecure, and the deployment's own only to the deployment's
	// name. RootCAs and DialContext default to Target's (RootCAs,
	// ConnectTo).
	Scrape metrics.Config
	// ScrapeInterval and CheckInterval default to 2 s and 30 s.
	ScrapeInterval, CheckInterval time.Duration
	// AllowRunNextSteps offers to run the next-step commands (nginx -t,
	// reloads): only for root on a real host.
	AllowRunNextSteps bool
	// Cert configures the wizard's certificate step (kumoup setup's
	// --staging, --server, --behind-nat, as kumoup cert's). The step's
	// DNS pre-check asks Target's Resolver.
	Cert CertOptions
	// Demo shows a banner saying nothing on this host is changed.
	Demo bool
	// KumodNote, when set, is the preflight's kumod line instead of the
	// search for kumod at KumodPath: the demo says there which stand-in
	// kumod serves, and where.
	KumodNote string
	// AfterApply, when set, runs (in a command, never in Update) once the
	// wizard's apply has put every file in place, with the deployment just
	// written; the apply screen says it runs, then that it is done or its
	// error; enter goes on once it succeeded. The target it returns
	// replaces Target for the dashboard's checks and scrape; on error
	// Target is kept. The demo sets it to reload its nginx with the new
	// answers, as the operator of a host runs `nginx -t && systemctl
	// reload nginx`.
	AfterApply func(ctx context.Context, d model.Deployment) (probes.Target, error)
	// AfterApplyLabel says what AfterApply does, as a command: "reload
	// the demo's nginx (nginx -t, then HUP)".
	AfterApplyLabel string
	// FirewallHost is the host whose rules StartFirewall shows.
	FirewallHost writer.Host
	// Firewall runs the firewall screen's side effects (ufw status, the
	// SSH guard, nft -f); see FirewallActions.
	Firewall FirewallActions
	// SaveDir is where the review saves the answers (s) when writing is
	// refused for lack of root, for sudo kumoup apply --answers to
	// finish; empty means ~/kumoup-answers. See writer.SaveAnswers.
	SaveDir string
	// Input and Output default to the terminal (stdin, stdout).
	Input  io.Reader
	Output io.Writer
	// Farewell, when set, receives what the operator keeps once the UI
	// has left the alternate screen: after a setup, the app's connection
	// values (secrets masked) and the next steps; after saving the
	// answers, the command that finishes as root. Nil prints nothing.
	Farewell io.Writer

	// For tests: a fixed clock, fixed tokens, fixed host facts, fixed
	// next-step commands.
	now       func() time.Time
	newToken  func() (string, error)
	senseHost func(ctx context.Context, opt Options) hostFacts
	steps     []step
	// serviceHost is how the host runs its services, asked by the next
	// steps as they run; zero means writer.ThisHost.
	serviceHost writer.ServiceHost
	// certConfig adjusts the certificate step's run (tests: pebble, a
	// loopback nginx); see certConfig in cert.go.
	certConfig func(acme.Config) acme.Config
}

// CertOptions configure the certificate step's ACME run (see
// acme.Config).
type CertOptions struct {
	// Server is the ACME directory URL (Let's Encrypt's when empty);
	// Staging picks Let's Encrypt's staging directory instead.
	Server  string
	Staging bool
	// BehindNAT: the name's address forwards port 80 to this host, which
	// does not hold it (the address pre-check is skipped).
	BehindNAT bool
}

// Default intervals.
const (
	DefaultScrapeInterval = 2 * time.Second
	DefaultCheckInterval  = 30 * time.Second
)

// ErrAborted is returned by Run when the operator quit the wizard with
// ctrl+c before any file was written (or wrapped, while files were being
// written). Quitting a dashboard opened directly is never an abort.
var ErrAborted = errors.New("aborted by the operator")

// ErrNoTTY is returned by CheckTTY when there is no terminal to draw on.
var ErrNoTTY = errors.New("no terminal: the interactive UI needs one (ssh -t, not cron or a pipe); for automation use `kumoup apply --answers FILE`, and `kumoup status` to verify a deployment")

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return f != nil && term.IsTerminal(f.Fd()) }

// CheckTTY returns ErrNoTTY unless the UI can draw on stdout and read keys
// from stdin or the controlling terminal.
func CheckTTY() error {
	if !IsTerminal(os.Stdout) {
		return ErrNoTTY
	}
	if IsTerminal(os.Stdin) {
		return nil
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return ErrNoTTY
	}
	f.Close()
	return nil
}

// Run shows the UI until the operator quits. It returns ErrAborted when
// the operator quit before anything was written (wrapped, with the sudo
// kumoup apply command that finishes, when the review saved the answers),
// and an error when the wizard could not write the files (the UI already
// showed it).
func Run(ctx context.Context, opt Options) error {
	// Commands still running when the program ends (a check waiting on
	// the network, a scrape) are cancelled on return.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := NewModel(opt)
	m.ctx = ctx
	// ctx carries SIGINT and SIGTERM (fang.WithNotifySignal): Bubble Tea's
	// own handler for them would race with it (in v2.0.10 it blocks sending
	// to a loop that ctx already ended, and Run never returns).
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithoutSignalHandler()}
	if opt.Input != nil {
		popts = append(popts, tea.WithInput(opt.Input))
	}
	if !colorWanted(os.Getenv) {
		// No color, but bold and reverse still: the terminal's own
		// detection gives xterm-mono 256 colors.
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if opt.Output != nil {
		popts = append(popts, tea.WithOutput(opt.Output))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	fm, _ := final.(Model)
	if opt.Farewell != nil && !fm.aborted {
		fm.farewell(opt.Farewell)
	}
	switch {
	case errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		if fm.written {
			return nil
		}
		return fm.abortError()
	case err != nil:
		return fmt.Errorf("terminal UI: %w", err)
	}
	if fm.aborted && fm.screen == screenApplying {
		return fmt.Errorf("%w while the files were being written: each holds its old or its new content; run kumoup setup again", ErrAborted)
	}
	if fm.aborted && !fm.written {
		return fm.abortError()
	}
	return fm.err
}

// abortError is ErrAborted, naming the command that finishes the setup
// when the answers were saved: the alternate screen that showed it is
// gone once Run returns.
func (m Model) abortError() error {
	if m.saved != "" {
		return fmt.Errorf("%w: nothing was written; the answers are saved, finish as root with: %s", ErrAborted, m.saved)
	}
	return ErrAborted
}

// farewell writes to w what stays on the terminal once the UI is gone:
// the saved answers' command, or, once the setup reached its connection
// values or next steps, those values (secrets masked) and the steps.
func (m Model) farewell(w io.Writer) {
	switch {
	case m.saved != "" && !m.written:
		fmt.Fprintf(w, "The answers are saved; nothing on this host was changed. Finish as root with:\n  %s\n", m.saved)
	case m.host == writer.HostMTA && m.connectionScreen() != nil:
		m.farewellCert(w)
		// A bounded read of the policy files, once the UI is gone.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = writer.WriteAppConnection(w, m.deployment, m.opt.Layout, probes.PolicyShape(ctx, m.opt.Layout))
	case m.host == writer.HostProxy && m.nextStepsScreen() != nil:
		fmt.Fprintln(w, "Next steps on the KumoProxy host")
		writeSteps(w, m.nextStepsScreen().steps)
	}
}
