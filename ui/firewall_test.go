package ui

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// firewallOptions open the firewall screen directly (kumoup firewall
// --apply on a terminal) for host's rules of d, loading through rec.
func firewallOptions(d model.Deployment, host writer.Host, rec *loadRecorder) Options {
	opt := testOptions(goldenRoot)
	opt.Start, opt.FirewallHost, opt.Prefill = StartFirewall, host, &d
	opt.Firewall = FirewallActions{UFWActive: noUFW, Load: rec.load}
	return opt
}

// atFirewall is the firewall screen with the rules rendered (no nft -c:
// the golden files must not depend on nft being installed) and msgs sent.
func atFirewall(t *testing.T, opt Options, w, h int, prepared func(*fwPreparedMsg), msgs ...tea.Msg) Model {
	t.Helper()
	m := sized(NewModel(opt), w, h)
	f, err := writer.RenderFirewall(*opt.Prefill, opt.FirewallHost, opt.Layout)
	if err != nil {
		t.Fatal(err)
	}
	pm := fwPreparedMsg{FirewallSession: &writer.FirewallSession{Deployment: *opt.Prefill, Host: opt.FirewallHost, File: f, Actions: opt.Firewall}}
	if prepared != nil {
		prepared(&pm)
	}
	m = send(m, pm)
	return send(m, msgs...)
}

func typed(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, press(string(r)))
	}
	return out
}

func TestScreensFirewall(t *testing.T) {
	proxy := testProxyDeployment()
	mta := testDeployment()
	mta.Firewall.AppAddresses = []string{"198.51.100.0/24"}
	mta.Firewall.Outbound, mta.Firewall.Resolvers = model.OutboundStrict, []string{"10.0.0.53"}
	t.Run("proxy_typing", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return atFirewall(t, firewallOptions(proxy, writer.HostProxy, &loadRecorder{}), w, h, nil, typed("app")...)
		})
	})
	t.Run("mta_not_confirmed", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return atFirewall(t, firewallOptions(mta, writer.HostMTA, &loadRecorder{}), w, h, nil, append(typed("aply"), press("enter"))...)
		})
	})
	t.Run("mta_ufw_active", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return atFirewall(t, firewallOptions(mta, writer.HostMTA, &loadRecorder{}), w, h, func(pm *fwPreparedMsg) {
				pm.UFW = true
				pm.UFWCommands, _ = writer.UFWCommands(mta, writer.HostMTA)
			})
		})
	})
	t.Run("proxy_loaded", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return atFirewall(t, firewallOptions(proxy, writer.HostProxy, &loadRecorder{}), w, h, nil, fwLoadedMsg{})
		})
	})
	t.Run("proxy_load_failed", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return atFirewall(t, firewallOptions(proxy, writer.HostProxy, &loadRecorder{}), w, h, nil,
				fwLoadedMsg{output: "Error: Could not process rule: Operation not permitted\n", err: errors.New("nft -f /etc/kumoup/nftables-proxy.nft: exit status 1")})
		})
	})
}

// pressAll feeds keys one at a time and returns the model and the last
// key's command.
func pressAll(m Model, keys ...tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	for _, k := range keys {
		var nm tea.Model
		nm, cmd = m.Update(k)
		m = nm.(Model)
	}
	return m, cmd
}

func TestFirewallLoadsOnlyAfterApplyIsTyped(t *testing.T) {
	rec := &loadRecorder{}
	opt := firewallOptions(testProxyDeployment(), writer.HostProxy, rec)
	opt.Layout = writer.Layout{Root: t.TempDir()}
	for name, keys := range map[string][]tea.Msg{
		"enter alone":         {press("enter")},
		"a prefix":            append(typed("appl"), press("enter")),
		"another word":        append(typed("yes"), press("enter")),
		"a key pressed twice": {press("enter"), press("enter")},
	} {
		// Each case on a screen of its own: a model is not branched.
		mm, cmd := pressAll(atFirewall(t, opt, 80, 24, nil), keys...)
		if cmd != nil {
			if _, ok := cmd().(fwLoadedMsg); ok {
				t.Fatalf("%s: the rules were loaded without the typed confirmation", name)
			}
		}
		if mm.firewallScreen().loading {
			t.Fatalf("%s: the screen is loading", name)
		}
	}
	if len(rec.calls()) != 0 {
		t.Fatalf("loaded %v before confirmation", rec.calls())
	}

	path := opt.Layout.Path(writer.Layout{}.FirewallFile(writer.HostProxy))
	keys := append(typed("applx"), press("backspace"), press("y"), press("enter"))
	m, cmd := pressAll(atFirewall(t, opt, 80, 24, nil), keys...)
	if cmd == nil || !m.firewallScreen().loading {
		t.Fatal("typing apply and pressing enter does not load the rules")
	}
	m = send(m, cmd())
	if got := rec.calls(); len(got) != 1 || got[0] != path {
		t.Fatalf("loads %v, want exactly one of %s", got, path)
	}
	if !strings.Contains(screenText(m), "loaded: `nft list table inet kumoup`") || m.err != nil || !m.written {
		t.Fatalf("after loading: err %v written %v, screen:\n%s", m.err, m.written, screenText(m))
	}
}

func TestFirewallLeftWithoutLoadingIsNotLoaded(t *testing.T) {
	m := atFirewall(t, firewallOptions(testProxyDeployment(), writer.HostProxy, &loadRecorder{}), 80, 24, nil)
	m, cmd := pressAll(m, press("esc"))
	if cmd == nil || !errors.Is(m.err, ErrNotLoaded) {
		t.Fatalf("esc: err %v, want a quit with ErrNotLoaded", m.err)
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("esc on the firewall screen opened directly does not quit")
	}
}

func TestFirewallWithUFWActiveOffersTheUFWCommandsAndNoConfirmation(t *testing.T) {
	d := testProxyDeployment()
	rec := &loadRecorder{}
	m := atFirewall(t, firewallOptions(d, writer.HostProxy, rec), 120, 40, func(pm *fwPreparedMsg) {
		pm.UFW = true
		pm.UFWCommands, _ = writer.UFWCommands(d, writer.HostProxy)
	})
	text := screenText(m)
	if !strings.Contains(text, "ufw is active") || !strings.Contains(text, "ufw allow proto tcp from 10.0.0.4 to any port 5000") || strings.Contains(text, "Type apply") {
		t.Fatalf("ufw active: want the ufw commands and no confirmation:\n%s", text)
	}
	m, cmd := pressAll(m, append(typed(ConfirmWord), press("enter"))...)
	if cmd != nil && !errors.Is(m.err, ErrNotLoaded) {
		t.Fatal("enter did something other than leave")
	}
	if len(rec.calls()) != 0 {
		t.Fatal("rules loaded while ufw is active")
	}
}

func TestFirewallUnderARootOrInTheDemoNeverLoads(t *testing.T) {
	for name, opt := range map[string]Options{
		"root": {Layout: writer.Layout{Root: "/tmp/x"}},
		"demo": {Demo: true},
	} {
		if ok, why := opt.canLoad(); ok || why == "" {
			t.Errorf("%s: canLoad = %v %q, want refused with a reason", name, ok, why)
		}
	}
	if ok, _ := (Options{}).canLoad(); !ok {
		t.Error("the real host cannot load")
	}
}

func TestFirewallScreenChecksTheRulesWithNft(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nft -c")
	}
	if _, err := exec.LookPath("nft"); err != nil {
		t.Fatal("nft not found: apt-get install -y nftables")
	}
	for _, host := range []writer.Host{writer.HostProxy, writer.HostMTA} {
		d := testDeployment()
		d.Firewall = testProxyDeployment().Firewall
		opt := firewallOptions(d, host, &loadRecorder{})
		msg := prepareFirewallCmd(context.Background(), opt, d, host)().(fwPreparedMsg)
		if msg.err != nil || msg.CheckErr != nil {
			t.Fatalf("%s: render %v, nft -c %v", host, msg.err, msg.CheckErr)
		}
		broken := msg.File
		broken.Content = append([]byte(nil), broken.Content...)
		broken.Content = append(broken.Content, []byte("table inet kumoup { chain x { tcp dport nope accept } }\n")...)
		if err := writer.CheckRulesContent(context.Background(), broken.Content); err == nil {
			t.Fatalf("%s: nft -c accepts broken rules: the check proves nothing", host)
		}
	}
}

func TestFOnTheMTANextStepsOpensItsFirewallScreenAndEscComesBack(t *testing.T) {
	m := send(atConnection(t, 80, 24), press("enter"))
	if m.screen != screenNextSteps {
		t.Fatalf("screen %s, want next steps", m.screen)
	}
	nm, cmd := m.Update(press("f"))
	m = nm.(Model)
	if m.screen != screenFirewall || m.firewallScreen().host != writer.HostMTA || cmd == nil {
		t.Fatalf("f: screen %s host %q, want the MTA host's firewall screen preparing its rules", m.screen, m.firewallScreen().host)
	}
	if !strings.Contains(screenText(m), "Rendering the MTA host's rules") {
		t.Fatalf("while preparing:\n%s", screenText(m))
	}
	m = send(m, press("esc"))
	if m.screen != screenNextSteps || m.err != nil {
		t.Fatalf("esc: screen %s err %v, want the next steps again", m.screen, m.err)
	}
}
