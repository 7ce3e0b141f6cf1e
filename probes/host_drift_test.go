package probes

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// appliedTarget applies d under a fresh root the way kumoup apply does
// (PlanFor, so the state file records the files) and returns a Target.
func appliedTarget(t *testing.T, d model.Deployment) *Target {
	t.Helper()
	l := writer.Layout{Root: t.TempDir()}
	p, err := writer.PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		t.Fatal(err)
	}
	return &Target{Deployment: d, Layout: l}
}

func TestFilesDriftPassesRightAfterApply(t *testing.T) {
	tg := appliedTarget(t, hostTestDeployment())
	wantResult(t, hostRun(t, tg, "host.files.drift"), StatusPass, "all 6 managed files as the last apply wrote them")
}

func TestFilesDriftWarnsOnAHandEditOfContentOrMode(t *testing.T) {
	tg := appliedTarget(t, hostTestDeployment())
	site := tg.Layout.SiteFile(tg.Deployment.Domain)
	f, err := os.OpenFile(site, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# tuned by hand\n")
	f.Close()
	if err := os.Chmod(tg.Layout.EnvFile(), 0o640); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, tg, "host.files.drift"), StatusWarn,
		"2 of 6 managed files changed by hand since the last apply",
		site+" (content)", tg.Layout.EnvFile()+" (mode 0640 (was 0600))", "kumoup diff")
}

func TestFilesDriftFailsOnAMissingFile(t *testing.T) {
	tg := appliedTarget(t, hostTestDeployment())
	if err := os.Remove(tg.Layout.LuaModule()); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, tg, "host.files.drift"), StatusFail, "1 of 6 managed files gone", tg.Layout.LuaModule()+" (deleted)", "kumoup apply")
}

func TestFilesDriftSkipsWithoutAStateFile(t *testing.T) {
	f := newHostFixture(t) // written by hand, not by apply
	wantResult(t, hostRun(t, f.target, "host.files.drift"), StatusSkip, "the next "+writer.ApplyCommand(f.target.Layout)+" records it")
}

func TestTokenRotationPassesWithoutAndDuringARotation(t *testing.T) {
	d := hostTestDeployment()
	tg := appliedTarget(t, d)
	wantResult(t, hostRun(t, tg, "host.tokens.rotation"), StatusPass, "no token rotation in progress")

	retiredAt := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rot, err := d.RotateInjection("kumoupTestNewInjectionToken-0123456789abcdefX", retiredAt)
	if err != nil {
		t.Fatal(err)
	}
	tg = appliedTarget(t, rot)
	tg.Now = func() time.Time { return retiredAt.Add(6 * 24 * time.Hour) }
	wantResult(t, hostRun(t, tg, "host.tokens.rotation"), StatusPass, "rotation in progress, old token accepted until 2026-12-08 10:00 UTC")
}

func TestTokenRotationWarnsPastTheGracePeriod(t *testing.T) {
	d := hostTestDeployment()
	d.TokenGrace = "2d"
	retiredAt := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rot, err := d.RotateInjection("kumoupTestNewInjectionToken-0123456789abcdefX", retiredAt)
	if err != nil {
		t.Fatal(err)
	}
	tg := appliedTarget(t, rot)
	tg.Now = func() time.Time { return retiredAt.Add(5 * 24 * time.Hour) }
	r := hostRun(t, tg, "host.tokens.rotation")
	wantResult(t, r, StatusWarn, "still accepted 3 days past its grace period, which ended 2026-12-03 10:00 UTC", writer.Command(tg.Layout, "rotate", "injection", "--finish"))
}

func TestTokenRotationNotesAPendingWebhookToken(t *testing.T) {
	tg := appliedTarget(t, hostTestDeployment())
	if err := writer.StartWebhookRotation(context.Background(), tg.Layout, "kumoupTestPendingWebhookToken-0123456789abcd"); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, tg, "host.tokens.rotation")
	wantResult(t, r, StatusPass, "a new webhook token waits since", "--confirm-app-accepts")
}
