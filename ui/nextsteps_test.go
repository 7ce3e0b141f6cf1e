package ui

import (
	"strings"
	"testing"
)

func atNextSteps(t *testing.T, allow bool, steps []step) Model {
	m := atConnection(t, 80, 24)
	m.opt.AllowRunNextSteps = allow
	m.opt.steps = steps
	return send(m, press("enter"))
}

func TestNextStepsRunInOrderShowOutputAndStopAtTheFirstFailure(t *testing.T) {
	m := atNextSteps(t, true, []step{
		{title: "by hand", manual: "edit init.lua"},
		{title: "first", argv: []string{"sh", "-c", "echo first ran"}},
		{title: "second", argv: []string{"sh", "-c", "echo second failed >&2; exit 3"}},
		{title: "third", argv: []string{"sh", "-c", "echo third ran"}},
	})
	if !strings.Contains(screenText(m), "r run them") {
		t.Fatal("running is not offered to root with AllowRunNextSteps")
	}
	nm, cmd := m.Update(press("r"))
	m = settle(nm.(Model), cmd) // first, then second, chained by their results
	s := screenText(m)
	for _, want := range []string{"2. first ✓ done", "│ first ran", "3. second ✗ failed", "│ second failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "│ third ran") || m.nextStepsScreen().steps[3].state != "" {
		t.Errorf("the step after a failure ran:\n%s", s)
	}
}

func TestNextStepsAreOnlyListedWithoutPermissionToRun(t *testing.T) {
	m := atNextSteps(t, false, []step{{title: "first", argv: []string{"sh", "-c", "echo ran"}}})
	nm, cmd := m.Update(press("r"))
	if cmd != nil || strings.Contains(screenText(nm.(Model)), "r run them") {
		t.Fatal("r ran or was offered without AllowRunNextSteps")
	}
}

func TestDefaultNextStepsAreTheExactCommands(t *testing.T) {
	m := atNextSteps(t, false, nil)
	var argv []string
	for _, s := range m.nextStepsScreen().steps {
		if s.argv != nil {
			argv = append(argv, strings.Join(s.argv, " "))
		}
	}
	want := "nginx -t|systemctl reload-or-restart nginx|systemctl daemon-reload|systemctl restart kumomta"
	if got := strings.Join(argv, "|"); got != want {
		t.Fatalf("commands %q, want %q", got, want)
	}
	if !strings.Contains(m.nextStepsScreen().steps[1].manual, "require 'kumoup'") || !m.nextStepsScreen().steps[0].cert || m.nextStepsScreen().steps[0].manual != "kumoup cert --root "+m.opt.Layout.Root {
		t.Fatalf("manual steps lack the init.lua lines or the certificate step: %+v", m.nextStepsScreen().steps[:2])
	}
}
