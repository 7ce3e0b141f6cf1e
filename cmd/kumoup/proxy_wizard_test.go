package main

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

func TestProxyWithoutAnswersOrATerminalExitsTwoPointingToAnswers(t *testing.T) {
	withoutTerminal(t)
	res := kumoup(t, "proxy", "--root", t.TempDir())
	if res.code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr: %s", res.code, exitUsage, res.stderr)
	}
	for _, want := range []string{"no terminal", "kumoup proxy --answers FILE"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("message lacks %q: %s", want, res.stderr)
		}
	}
}

func TestFirewallActionsLoadNothingUnderARoot(t *testing.T) {
	if a := firewallActions(writerLayout(t.TempDir())); a.Load != nil || a.Guard == nil || a.UFWActive == nil {
		t.Fatalf("under a root: load %v guard %v: want no loader, the SSH guard and ufw's status", a.Load != nil, a.Guard != nil)
	}
	if a := firewallActions(writerLayout("")); a.Load == nil {
		t.Fatal("on the host: no loader")
	}
}

func writerLayout(root string) writer.Layout { return writer.Layout{Root: root} }
