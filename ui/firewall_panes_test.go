package ui

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// strictMTA is the MTA host with the longest words: strict outbound.
func strictMTA() model.Deployment {
	d := testDeployment()
	d.Firewall.AppAddresses = []string{"198.51.100.0/24"}
	d.Firewall.Outbound, d.Firewall.Resolvers = model.OutboundStrict, []string{"10.0.0.53"}
	return d
}

func TestFirewallShowsTheRulesFileAndWhatItDoesAt80x24(t *testing.T) {
	for name, c := range map[string]struct {
		d    model.Deployment
		host writer.Host
	}{
		"mta":   {strictMTA(), writer.HostMTA},
		"proxy": {testProxyDeployment(), writer.HostProxy},
	} {
		t.Run(name, func(t *testing.T) {
			m := atFirewall(t, firewallOptions(c.d, c.host, &loadRecorder{}), 80, 24, nil)
			s := screenText(m)
			f := m.firewallScreen().prepared.File
			// The file's first lines, as they are in the file, under its
			// path, together with what the rules do and the question.
			first := strings.SplitN(string(f.Content), "\n", 3)
			for _, want := range []string{"What these rules do on the", f.Path + " (0644)", "  " + first[0], "  " + first[1][:40], "Type apply and press enter"} {
				if !strings.Contains(s, want) {
					t.Errorf("at 80x24 the firewall screen lacks %q:\n%s", want, s)
				}
			}
			if n := len(strings.Split(s, "\n")); n != 24 {
				t.Errorf("the screen is %d lines, want 24:\n%s", n, s)
			}
		})
	}
}

func TestFirewallTabMovesTheScrollingKeysToTheRulesFile(t *testing.T) {
	m := atFirewall(t, firewallOptions(strictMTA(), writer.HostMTA, &loadRecorder{}), 80, 24, nil)
	fw := m.firewallScreen()
	if !fw.bothScroll() {
		t.Fatalf("at 80x24 what the strict MTA rules do and the file should both scroll")
	}
	// ↓ scrolls what the rules do first.
	m = send(m, press("down"))
	if fw.words.offset != 1 || fw.file.offset != 0 {
		t.Fatalf("down moved words %d, file %d; want what the rules do by one", fw.words.offset, fw.file.offset)
	}
	if s := screenText(m); !strings.Contains(s, "tab ↑/↓ scroll") || !strings.Contains(s, "tab: scroll this") {
		t.Errorf("the help and the file's mark do not say tab scrolls the file:\n%s", s)
	}
	m = send(m, press("tab"), press("down"), press("down"))
	if fw.words.offset != 1 || fw.file.offset != 2 {
		t.Fatalf("after tab, down moved words to %d, file to %d; want the file by two", fw.words.offset, fw.file.offset)
	}
	lines := strings.Split(string(fw.prepared.File.Content), "\n")
	if s := screenText(m); !strings.Contains(s, "  "+lines[2][:30]) || strings.Contains(s, "  "+lines[0]+"\n") {
		t.Errorf("the file pane did not scroll to its third line:\n%s", s)
	}
	// Typing the confirmation still types: tab is not a letter.
	m = send(m, typed("apply")...)
	if fw.typed != "apply" {
		t.Errorf("typed %q, want apply", fw.typed)
	}
}

func TestFirewallPanesSplitTheRoom(t *testing.T) {
	for _, c := range []struct {
		name                string
		avail, words, file  int
		wantWords, wantFile int
	}{
		{"both fit: each whole, the file takes the rest", 30, 10, 12, 10, 20},
		{"80x24: the file keeps six lines", 16, 15, 121, 10, 6},
		{"120x40: what the rules do whole", 33, 16, 114, 16, 17},
		{"no file yet", 16, 1, 0, 16, 1},
		{"a short file is kept whole", 16, 15, 4, 12, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, f := splitPanes(c.avail, c.words, c.file)
			if w != c.wantWords || f != c.wantFile {
				t.Errorf("splitPanes(%d, %d, %d) = %d, %d; want %d, %d", c.avail, c.words, c.file, w, f, c.wantWords, c.wantFile)
			}
		})
	}
}

func TestFirewallWhyItWillNotLoadShowsAt80x24(t *testing.T) {
	opt := firewallOptions(strictMTA(), writer.HostMTA, &loadRecorder{})
	opt.Firewall.Load = nil // under a root: loading is disabled
	m := atFirewall(t, opt, 80, 24, nil)
	s := screenText(m)
	_, why := opt.canLoad()
	if !strings.Contains(s, "Loading is disabled here (see above)") || !strings.Contains(strings.Join(strings.Fields(s), " "), why[:40]) {
		t.Errorf("at 80x24 the screen says loading is disabled without showing why (%q):\n%s", why, s)
	}
}
