package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// toGracePage goes, on a deployment, to the grace page with "Rotate:
// generate a new token" chosen, and empties its field (prefilled 7d).
func toGracePage(t *testing.T) (flow, writer.Layout) {
	t.Helper()
	f, l := rotatingSetup(t)
	throughWizard(f, map[string][]string{"injection_choice": {"down"}}, setupPages[:6]...)
	f.waitField("token_grace")
	w := f.probe()
	for _, want := range []string{"Old token accepted for", "> 7d"} {
		if !strings.Contains(w.text, want) {
			t.Fatalf("the grace page lacks %q:\n%s", want, w.text)
		}
	}
	f.key("backspace")
	f.key("backspace")
	return f, l
}

func TestSetupTokenPageRotationUsesTheGraceTypedOnItsPage(t *testing.T) {
	f, l := toGracePage(t)
	f.typ("2d")
	f.enter()
	throughWizard(f, nil, setupPages[6:]...)

	until := fixedNow.Add(48 * time.Hour)
	w := f.waitScreen(screenReview)
	if want := "old token accepted until " + until.Format("2006-01-02 15:04 MST") + " (token_grace 2d)"; !strings.Contains(oneLine(w.text), want) {
		t.Errorf("the review does not say %q:\n%s", want, w.text)
	}
	f.enter()
	if w := f.waitScreen(screenApplied); !strings.Contains(w.text, "Every file is in place") {
		t.Fatalf("apply did not finish cleanly:\n%s", w.text)
	}

	// The rotation's state: the retired key, accepted for two days.
	include, err := os.ReadFile(l.TokenFile("mta.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# retired " + fixedNow.Format(time.RFC3339) + ", accepted until " + until.Format(time.RFC3339); !strings.Contains(string(include), want) {
		t.Errorf("the token include lacks %q", want)
	}
	answers, err := os.ReadFile(l.AnswersFile())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(answers), "\ntoken_grace: 2d\n") {
		t.Errorf("the answers file does not say token_grace: 2d:\n%s", strings.ReplaceAll(strings.ReplaceAll(string(answers), testInjectionToken, "<old>"), testRotatedInjection, "<new>"))
	}
	d, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	if d.TokenGrace != "2d" || !d.RetiredUntil().Equal(until) {
		t.Errorf("read back: token_grace %q, old token accepted until %v; want 2d, %v", d.TokenGrace, d.RetiredUntil(), until)
	}
}

func TestSetupGracePageRefusesAnInvalidGraceNamingTheField(t *testing.T) {
	f, _ := toGracePage(t)
	f.typ("soon")
	f.enter()
	waitSaid(f, `token_grace: "soon" is not a duration: use days like 7d, or hours like 36h`)
	if w := f.probe(); w.field != "token_grace" {
		t.Fatalf("the refused grace moved on to %q", w.field)
	}
	for range len("soon") {
		f.key("backspace")
	}
	f.typ("36h")
	f.enter()
	f.waitField("webhook_url")
	// The token page offers the grace just given.
	f.key("esc")
	f.key("esc")
	f.waitField("injection_choice")
	waitSaid(f, "Rotate: generate a new token (the old one accepted for 36h)")
	f.key("ctrl+c")
	final := f.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(probed).Model
	d, _, _ := final.wizardScreen().answers()
	if d.TokenGrace != "36h" {
		t.Fatalf("token_grace in the draft = %q, want the typed 36h", d.TokenGrace)
	}
}

func TestSetupGracePageIsOnlyInAnInjectionRotation(t *testing.T) {
	t.Run("fresh_host", func(t *testing.T) {
		m := atPage(testOptions(t.TempDir()), pageInjection, 80, 24)
		w := m.wizardScreen()
		for _, c := range []tokenChoice{tokenGenerate, tokenPaste} {
			w.injectionChoice = c
			if w.visible(pageInjectionGrace) {
				t.Errorf("a fresh host's flow shows the grace page with choice %d", c)
			}
		}
		w.injectionChoice = tokenGenerate
		w.show(pageInjection)
		w.next()
		if w.page != pageWebhook {
			t.Errorf("after a fresh host's token page: page %s, want the webhook's", pageTitles[w.page])
		}
		if d, _, _ := w.answers(); d.TokenGrace != "" {
			t.Errorf("a fresh host's answers set token_grace %q", d.TokenGrace)
		}
	})
	t.Run("kept_token", func(t *testing.T) {
		m := atPage(prefilled(), pageInjection, 80, 24)
		w := m.wizardScreen()
		w.grace = "2d" // typed, then the rotation given up
		if w.injectionChoice != tokenKeep || w.visible(pageInjectionGrace) {
			t.Fatalf("keeping the token shows the grace page (choice %d)", w.injectionChoice)
		}
		if d, _, _ := w.answers(); d.TokenGrace != "" {
			t.Errorf("keeping the token sets token_grace %q", d.TokenGrace)
		}
	})
	t.Run("default_left_unset", func(t *testing.T) {
		m := atPage(prefilled(), pageInjection, 80, 24)
		w := m.wizardScreen()
		w.injectionChoice = tokenGenerate
		if !w.visible(pageInjectionGrace) {
			t.Fatal("a rotation hides the grace page")
		}
		// The page's prefilled default changes nothing in the answers.
		if d, _, _ := w.answers(); d.TokenGrace != "" || d.Grace() != model.DefaultTokenGrace {
			t.Errorf("the default grace, untouched, sets token_grace %q", d.TokenGrace)
		}
	})
}
