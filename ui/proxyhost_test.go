package ui

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// testProxyDeployment is the KumoProxy host's answers: no tokens, no domain.
func testProxyDeployment() model.Deployment {
	return model.Deployment{
		ProxyHost: "10.0.0.5",
		Firewall: model.Firewall{
			MTAAddresses: []string{"10.0.0.4"},
			Resolvers:    []string{"10.0.0.53"},
		},
	}.WithDefaults()
}

// proxyOptions starts the KumoProxy host's wizard writing under root.
func proxyOptions(root string, prefill bool) Options {
	opt := testOptions(root)
	opt.Start = StartProxyWizard
	if prefill {
		d := testProxyDeployment()
		opt.Prefill, opt.PrefillSource = &d, "/etc/kumoup/kumoup.yaml"
	}
	return opt
}

// loadRecorder is an injected firewall loader: it records what it was
// asked to load and touches nothing.
type loadRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (r *loadRecorder) load(_ context.Context, path string) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, path)
	return []byte("(nft -f stand-in)\n"), nil
}

func (r *loadRecorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

func noUFW(context.Context) (bool, error) { return false, nil }

func TestScreensProxyHost(t *testing.T) {
	t.Run("preflight_fresh", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atPreflight(proxyOptions(goldenRoot, false), w, h) })
	})
	t.Run("preflight_prefilled_proxy_server_found", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			opt := proxyOptions(goldenRoot, true)
			opt.senseHost = func(context.Context, Options) hostFacts {
				return hostFacts{Sensed: true, Root: true, ProxyServer: writer.ProxyServerBinary}
			}
			return atPreflight(opt, w, h)
		})
	})
	t.Run("page_prefilled", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atProxyPage(proxyOptions(goldenRoot, true), w, h) })
	})
	t.Run("page_fresh", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atProxyPage(proxyOptions(goldenRoot, false), w, h) })
	})
	t.Run("review", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atProxyReview(t, w, h) })
	})
	t.Run("next_steps", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			m := atProxyReview(t, w, h)
			m.afterFiles()
			return sized(m, w, h)
		})
	})
}

// atProxyPage is the KumoProxy host's page.
func atProxyPage(opt Options, w, h int) Model {
	m := atPreflight(opt, w, h)
	return sized(send(m, press("enter")), w, h)
}

// atProxyReview runs the real planning of the KumoProxy host's files.
func atProxyReview(t *testing.T, w, h int) Model {
	t.Helper()
	m := atProxyPage(proxyOptions(goldenRoot, true), w, h)
	m.wizardScreen().next()
	if !m.wizardScreen().done {
		t.Fatal("the proxy wizard did not finish after its page")
	}
	m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
	d, gi, gh := m.wizardScreen().answers()
	m = send(m, m.prepare(d, gi, gh)())
	if m.screen != screenReview {
		t.Fatalf("screen %s after planning, want review", m.screen)
	}
	return m
}

func TestProxyWizardWritesTheUnitRulesAndAnswersFromItsFirstPage(t *testing.T) {
	root := t.TempDir()
	opt := proxyOptions(root, false)
	rec := &loadRecorder{}
	opt.Firewall = FirewallActions{UFWActive: noUFW, Load: rec.load}
	f := startFlow(t, opt)

	f.waitText("Press enter to start.")
	f.enter()
	f.fill("proxy_listen", "0.0.0.0:x")
	f.waitText(`firewall.proxy_listen: "0.0.0.0:x" is not ip:port`)
	for range len("0.0.0.0:x") {
		f.key("backspace")
	}
	f.typ("10.0.0.5:5000")
	f.enter()
	f.fill("mta_addresses", "10.0.0.4, 10.0.1.0/24")
	f.waitField("ssh_port")
	f.enter() // 22
	f.waitField("outbound")
	f.enter() // guarded
	f.fill("resolvers", "10.0.0.53")
	f.waitField("proxy_status_listen")
	f.enter() // none

	w := f.waitScreen(screenReview)
	for _, want := range []string{"3 to create", "KumoProxy systemd unit"} {
		if !strings.Contains(w.text, want) {
			t.Fatalf("review lacks %q:\n%s", want, w.text)
		}
	}
	f.enter()
	w = f.waitScreen(screenApplied)
	if !strings.Contains(w.text, "Every file is in place") || !strings.Contains(w.text, "next steps") {
		t.Fatalf("apply did not finish cleanly:\n%s", w.text)
	}
	l := writer.Layout{Root: root}
	for path, mode := range map[string]os.FileMode{l.ProxyUnit(): 0o644, l.FirewallFile(writer.HostProxy): 0o644, l.AnswersFile(): 0o644} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v (%v), want mode %04o", path, fi, err, mode)
		}
	}
	unit, _ := os.ReadFile(l.ProxyUnit())
	if !strings.Contains(string(unit), "--listen 10.0.0.5:5000") {
		t.Errorf("unit does not listen on the private address:\n%s", unit)
	}
	rules, _ := os.ReadFile(l.FirewallFile(writer.HostProxy))
	if !strings.Contains(string(rules), "10.0.1.0/24") {
		t.Errorf("rules lack the MTA prefix:\n%s", rules)
	}
	a, err := writer.ReadAnswers(l.AnswersFile())
	if err != nil || a.Deployment.ProxyHost != "10.0.0.5" || len(a.Deployment.Firewall.MTAAddresses) != 2 {
		t.Errorf("answers file: %+v (%v), want proxy_host 10.0.0.5 and both MTA addresses", a.Deployment, err)
	}

	f.enter()
	w = f.waitScreen(screenNextSteps)
	for _, want := range []string{"systemctl enable --now kumoproxy", "kumoup firewall --host proxy --apply", "kumoup proxy --check"} {
		if !strings.Contains(w.text, want) {
			t.Errorf("next steps lack %q:\n%s", want, w.text)
		}
	}
	f.key("f")
	f.waitText("Type apply and press enter")
	f.enter() // nothing typed: refused
	f.waitText("type apply first")
	f.typ(ConfirmWord)
	f.enter()
	f.waitText("loaded: `nft list table inet kumoup`")
	if got := rec.calls(); len(got) != 1 || got[0] != l.FirewallFile(writer.HostProxy) {
		t.Fatalf("loads %v, want exactly one of %s", got, l.FirewallFile(writer.HostProxy))
	}
	f.enter()
	f.waitScreen(screenNextSteps)
	f.key("q")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probed).Model
	if final.aborted || final.err != nil || !final.written {
		t.Fatalf("final state: aborted=%v err=%v written=%v, want a clean finish", final.aborted, final.err, final.written)
	}
}

func TestProxyWizardRequiresTheMTAAddresses(t *testing.T) {
	f := startFlow(t, proxyOptions(t.TempDir(), false))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("proxy_listen", "10.0.0.5:5000")
	f.fill("mta_addresses", "")
	f.waitText("firewall.mta_addresses: is required on the KumoProxy host")
	if w := f.probe(); w.field != "mta_addresses" {
		t.Fatalf("focus moved to %q despite the error", w.field)
	}
}

func TestProxyWizardStrictOutboundNeedsResolvers(t *testing.T) {
	f := startFlow(t, proxyOptions(t.TempDir(), false))
	f.waitText("Press enter to start.")
	f.enter()
	f.fill("proxy_listen", "10.0.0.5:5000")
	f.fill("mta_addresses", "10.0.0.4")
	f.waitField("ssh_port")
	f.enter()
	f.waitField("outbound")
	f.key("down") // strict
	f.enter()
	f.fill("resolvers", "")
	f.waitText("firewall.resolvers: is required when firewall.outbound is strict")
}

func TestProxyHostListenerBecomesProxyHostWhenTheAnswersHaveNone(t *testing.T) {
	w := newWizard(nil, NewStyles(false), DefaultKeyMap())
	w.forProxyHost()
	w.proxy.listen, w.proxy.mta = "10.0.0.9:5001", "10.0.0.4"
	w.finishProxyHost()
	if w.d.ProxyHost != "10.0.0.9" || w.d.ProxyPort != 5001 || w.d.Firewall.ProxyListen != "" {
		t.Fatalf("proxy_host %q port %d proxy_listen %q, want 10.0.0.9, 5001 and no proxy_listen", w.d.ProxyHost, w.d.ProxyPort, w.d.Firewall.ProxyListen)
	}
	d := testProxyDeployment() // proxy_host 10.0.0.5: the MTA host's view, kept
	w = newWizard(&d, NewStyles(false), DefaultKeyMap())
	w.forProxyHost()
	w.proxy.listen = "192.168.1.5:5000"
	w.finishProxyHost()
	if w.d.ProxyHost != "10.0.0.5" || w.d.Firewall.ProxyListen != "192.168.1.5:5000" {
		t.Fatalf("proxy_host %q proxy_listen %q, want 10.0.0.5 kept and proxy_listen set", w.d.ProxyHost, w.d.Firewall.ProxyListen)
	}
}

func TestProxyReviewShowsWhyTheFilesCannotBeRendered(t *testing.T) {
	m := atProxyPage(proxyOptions(goldenRoot, false), 80, 24)
	d := testProxyDeployment()
	d.Firewall.SSHPort = 5000 // the proxy's port: SSH would open it to all
	m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
	m = send(m, prepareProxyCmd(context.Background(), m.opt, d)())
	if m.screen != screenReview || m.reviewScreen().msg.err == nil || !strings.Contains(screenText(m), "also KumoProxy's port") {
		t.Fatalf("review does not refuse an SSH port equal to the proxy port:\n%s", screenText(m))
	}
}

func TestProxyWizardRerunWithTheSameAnswersWritesNothingAndGoesToTheNextSteps(t *testing.T) {
	root := t.TempDir()
	m := atProxyPage(proxyOptions(root, true), 80, 24)
	m.wizardScreen().next()
	m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
	d, _, _ := m.wizardScreen().answers()
	m = send(m, prepareProxyCmd(context.Background(), m.opt, d)())
	if _, err := m.reviewScreen().msg.plan.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
	m = send(m, prepareProxyCmd(context.Background(), m.opt, d)())
	if text := screenText(m); !strings.Contains(text, "Nothing to write") || !strings.Contains(text, "enter: next steps") {
		t.Fatalf("a re-run with the same answers:\n%s", text)
	}
	m = send(m, press("enter"))
	if m.screen != screenNextSteps || !strings.Contains(screenText(m), "kumoproxy") {
		t.Fatalf("enter on an unchanged plan: screen %s, want the proxy host's next steps", m.screen)
	}
}
