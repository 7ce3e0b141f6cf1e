package ui

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// applyWithHook runs the wizard's apply for the prefilled answers under
// root (a fresh one when "") with hook as Options.AfterApply.
func applyWithHook(t *testing.T, root string, hook func(context.Context, model.Deployment) (probes.Target, error)) Model {
	t.Helper()
	if root == "" {
		root = t.TempDir()
	}
	opt := prefilled()
	opt.Layout = writer.Layout{Root: root}
	opt.AfterApply, opt.AfterApplyLabel = hook, "reload the demo's nginx"
	m := atReview(t, opt, 80, 24)
	nm, cmd := m.Update(press("enter"))
	return settle(nm.(Model), cmd)
}

func TestAfterApplyRunsOnceTheFilesAreWrittenAndTheDashboardUsesItsTarget(t *testing.T) {
	var got []model.Deployment
	answersWritten := false
	layout := writer.Layout{Root: t.TempDir()}
	m := applyWithHook(t, layout.Root, func(_ context.Context, d model.Deployment) (probes.Target, error) {
		got = append(got, d)
		// The hook sees the files in place: kumoup.yaml is among them.
		answersWritten = fileExists(layout.AnswersFile())
		return probes.Target{HTTPSPort: 18443, ConnectTo: map[string]string{d.Domain + ":443": "127.0.0.1:18443"}}, nil
	})
	if len(got) != 1 || !answersWritten {
		t.Fatalf("AfterApply ran %d times (want 1), kumoup.yaml written: %v", len(got), answersWritten)
	}
	if got[0].Domain != m.deployment.Domain || got[0].InjectionToken != testInjectionToken {
		t.Errorf("AfterApply got %q with another token than the one written", got[0].Domain)
	}
	s := flat(screenText(m))
	if !strings.Contains(s, glyphPass+" reload the demo's nginx.") || !strings.Contains(s, "Press enter for the app's connection values") {
		t.Fatalf("the apply screen does not say the hook is done:\n%s", s)
	}
	if c := m.dashboardConfig(); c.target.HTTPSPort != 18443 || c.target.ConnectTo["mta.example.com:443"] != "127.0.0.1:18443" {
		t.Errorf("the dashboard's target after the hook: port %d, ConnectTo %v; want the hook's", c.target.HTTPSPort, c.target.ConnectTo)
	}
	if m = send(m, press("enter")); m.screen != screenConnection {
		t.Errorf("enter after the hook: screen %s, want the connection values", m.screen)
	}
}

func TestAfterApplyErrorIsShownInPlaceAndTheFlowGoesOn(t *testing.T) {
	m := applyWithHook(t, "", func(context.Context, model.Deployment) (probes.Target, error) {
		return probes.Target{HTTPSPort: 1}, errors.New("nginx -t refused the configuration")
	})
	s := flat(screenText(m))
	for _, want := range []string{"reload the demo's nginx: nginx -t refused the configuration", "The files are written", "Press enter for the app's connection values"} {
		if !strings.Contains(s, want) {
			t.Errorf("the apply screen lacks %q:\n%s", want, s)
		}
	}
	if lines := strings.Split(screenText(m), "\n"); len(lines) != 24 {
		t.Errorf("the apply screen has %d lines at 80x24", len(lines))
	}
	if c := m.dashboardConfig(); c.target.HTTPSPort == 1 {
		t.Error("the dashboard took the target of a failed hook")
	}
	if m = send(m, press("enter")); m.screen != screenConnection {
		t.Errorf("enter after a failed hook: screen %s, want the connection values", m.screen)
	}
}

func TestEnterWhileAfterApplyRunsGoesOnOnlyOnceItSucceeded(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want screen
	}{{"success", nil, screenConnection}, {"failure", errors.New("nginx -t failed"), screenApplied}} {
		t.Run(tc.name, func(t *testing.T) {
			m := applyWithHook(t, "", func(context.Context, model.Deployment) (probes.Target, error) { return probes.Target{}, nil })
			m.applyingScreen().afterRunning, m.applyingScreen().afterDone = true, false
			if m = send(m, press("enter")); m.screen != screenApplied {
				t.Fatalf("enter while the hook runs: screen %s, want the apply screen until it is done", m.screen)
			}
			if s := flat(screenText(m)); !strings.Contains(s, "Now: reload the demo's nginx… then the app's connection values.") {
				t.Errorf("while the hook runs the screen does not say what comes:\n%s", s)
			}
			if m = send(m, afterApplyMsg{err: tc.err}); m.screen != tc.want {
				t.Errorf("once the hook ended (error %v): screen %s, want %s", tc.err, m.screen, tc.want)
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// flat is s with every run of spaces and newlines as one space: wrapped
// sentences read whole.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestACertificateTheHookMadeIsNoLongerAskedFor: the review found no
// certificate; the hook (the demo's certbot stand-in) made one; the next
// steps no longer ask to get it.
func TestACertificateTheHookMadeIsNoLongerAskedFor(t *testing.T) {
	root := t.TempDir()
	opt := prefilled()
	opt.Layout = writer.Layout{Root: root}
	d := *opt.Prefill
	d.TLSCertificate, d.TLSCertificateKey = root+"/cert/fullchain.pem", root+"/cert/privkey.pem"
	opt.Prefill = &d
	opt.AfterApply = func(_ context.Context, d model.Deployment) (probes.Target, error) {
		if err := os.MkdirAll(root+"/cert", 0o755); err != nil {
			return probes.Target{}, err
		}
		for _, p := range []string{d.TLSCertificate, d.TLSCertificateKey} {
			if err := os.WriteFile(p, []byte("made by the hook"), 0o600); err != nil {
				return probes.Target{}, err
			}
		}
		return probes.Target{}, nil
	}
	m := atReview(t, opt, 80, 24)
	if !m.reviewScreen().msg.cert.Missing() {
		t.Fatal("the review found a certificate before the hook made one")
	}
	nm, cmd := m.Update(press("enter"))
	m = settle(nm.(Model), cmd)
	m = send(m, press("enter"), press("enter"))
	if m.screen != screenNextSteps {
		t.Fatalf("screen %s, want the next steps", m.screen)
	}
	if s := flat(screenText(m)); strings.Contains(s, "Get the certificate") || strings.Contains(s, "certificate files missing") {
		t.Fatalf("the next steps still ask for the certificate the hook made:\n%s", s)
	}
}
