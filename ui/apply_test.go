package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		written := f.status == "written"
		if _, err := os.Stat(f.path); (err == nil) != written {
			t.Errorf("%s: shown %q but exists=%v", f.path, f.status, err == nil)
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
