package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/writer"
)

func TestApplyFailureSaysWhatStoppedItAndLeavesEveryFileAsItWas(t *testing.T) {
	root := t.TempDir()
	opt := prefilled()
	opt.Layout = writer.Layout{Root: root}
	m := atReview(t, opt, 200, 40)
	// Between the review and the apply, /opt becomes a file: the policy
	// module's directory cannot be created.
	if err := os.WriteFile(filepath.Join(root, "opt"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	nm, cmd := m.Update(press("enter"))
	m = settle(nm.(Model), cmd)

	if m.screen != screenApplied || m.applyingScreen().err == nil || m.err == nil {
		t.Fatalf("screen %s, apply error %v, run error %v: want a failed apply", m.screen, m.applyingScreen().err, m.err)
	}
	s := screenText(m)
	for _, want := range []string{"Writing stopped:", "not a directory", "left exactly as it was", "esc back to the answers"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	for _, f := range m.applyingScreen().files {
		written := f.outcome != nil && f.outcome.Status == writer.Written
		if _, err := os.Stat(f.path); (err == nil) != written {
			t.Errorf("%s: shown written=%v but exists=%v", f.path, written, err == nil)
		}
		if !written && !strings.Contains(s, "untouched "+f.path) && !strings.Contains(s, "FAILED    "+f.path) {
			t.Errorf("%s is not shown as untouched or failed:\n%s", f.path, s)
		}
	}
	m = send(m, press("esc"))
	if m.screen != screenWizard {
		t.Fatalf("esc after a failed apply: screen %s, want the wizard", m.screen)
	}
}

// TestTheApplyScreenSaysWhatKumoupApplySays: one source for the words of
// an apply's outcome (writer.Outcome's Word and BackupNote).
func TestTheApplyScreenSaysWhatKumoupApplySays(t *testing.T) {
	file := func(name string) writer.File { return writer.File{Path: "/etc/kumoup/" + name} }
	outcomes := []writer.Outcome{
		{Change: writer.Change{File: file("a"), Action: writer.Update}, Status: writer.Written, Backup: "/etc/kumoup/a.kumoup-bak-1"},
		{Change: writer.Change{File: file("b"), Action: writer.Retire}, Status: writer.Written, Backup: "/etc/kumoup/b.kumoup-bak-1"},
		{Change: writer.Change{File: file("c"), Action: writer.Unchanged}, Status: writer.Kept},
		{Change: writer.Change{File: file("d"), Action: writer.Create}, Status: writer.Failed, Err: errors.New("disk full")},
		{Change: writer.Change{File: file("e"), Action: writer.Create}, Status: writer.NotAttempted},
	}
	plan := &writer.Plan{}
	r := &writer.Report{Outcomes: outcomes}
	for _, o := range outcomes {
		plan.Changes = append(plan.Changes, o.Change)
	}
	a := newApplyView(plan, writer.HostMTA, NewStyles(false), DefaultKeyMap())
	a.SetSize(100, 30)
	a.finish(r, nil)
	screen := ansi.Strip(strings.Join(a.fileLines(), "\n"))
	var cli strings.Builder
	if err := r.Render(&cli); err != nil {
		t.Fatal(err)
	}
	for _, o := range outcomes {
		line := o.Word() + " "
		if !strings.Contains(screen, line) || !strings.Contains(cli.String(), o.Word()) {
			t.Errorf("%s: the screen or kumoup apply lacks %q:\n%s\n%s", o.Change.File.Path, o.Word(), screen, cli.String())
		}
		if n := o.BackupNote(); n != "" && (!strings.Contains(screen, n) || !strings.Contains(cli.String(), n)) {
			t.Errorf("%s: the screen or kumoup apply lacks %q", o.Change.File.Path, n)
		}
	}
}
