package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/writer"
)

// errNotRootOnHost is what writer.RequireRoot says to a non-root user on
// the real host (the tests run as root, under a --root).
var errNotRootOnHost = fmt.Errorf("%w: kumoup writes root-only files (%s is 0600 root:root) and must chown them to root; run it with sudo, or pass --root DIR to write the tree under DIR instead", writer.ErrNotRoot, writer.EnvFilePath)

// refused is m's review as a non-root user on the real host sees it.
func refused(m Model) Model {
	m.reviewScreen().msg.rootErr = errNotRootOnHost
	m.setSize(m.width, m.height)
	return m
}

// shortDir is a fresh directory with a short path, so a command naming a
// file in it fits one line of the screen.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ks")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestReviewOffersSavingTheAnswersOnlyWhenWritingIsRefusedForLackOfRoot(t *testing.T) {
	m := atReview(t, prefilled(), 80, 24)
	if h := ansi.Strip(m.helpView()); strings.Contains(h, "save answers") {
		t.Fatalf("writing allowed: help line %q offers to save the answers", h)
	}
	if next, cmd := m.Update(press("s")); cmd != nil || func() bool { nm := next.(Model); return nm.reviewScreen().saving }() {
		t.Fatal("s saves the answers although writing is allowed")
	}
	m = refused(m)
	if h := ansi.Strip(m.helpView()); !strings.Contains(h, "s save answers") || strings.Contains(h, "enter") {
		t.Fatalf("writing refused: help line %q lacks s, or offers enter", h)
	}
	if s := screenText(m); !strings.Contains(s, "s: save the answers") {
		t.Fatalf("the question does not offer to save:\n%s", s)
	}

	// Refused for another reason (the answers are invalid): nothing to save.
	m.reviewScreen().msg.err = errors.New("domain: is required")
	m.setSize(m.width, m.height)
	if h := ansi.Strip(m.helpView()); strings.Contains(h, "save answers") {
		t.Fatalf("invalid answers: help line %q offers to save them", h)
	}
}

func TestSavingTheAnswersShowsTheCommandThatFinishesAndNoToken(t *testing.T) {
	opt := prefilled()
	opt.SaveDir = shortDir(t)
	m := refused(atReview(t, opt, 80, 24))
	next, cmd := m.Update(press("s"))
	m = next.(Model)
	if cmd == nil || !strings.Contains(screenText(m), "Saving the answers") {
		t.Fatal("s started no save")
	}
	if _, again := m.Update(press("s")); again != nil {
		t.Fatal("s while saving starts a second save")
	}
	m = runCmd(m, cmd)

	path := filepath.Join(opt.SaveDir, writer.SavedAnswersName)
	s := screenText(m)
	if !strings.Contains(s, "sudo kumoup apply --answers "+path) {
		t.Fatalf("the screen lacks the command that finishes:\n%s", s)
	}
	if strings.Contains(s, testInjectionToken) || strings.Contains(s, testWebhookToken) {
		t.Fatalf("the screen shows a token:\n%s", s)
	}
	if h := ansi.Strip(m.helpView()); strings.Contains(h, "save answers") {
		t.Fatalf("once saved, help line %q still offers s", h)
	}
	if m.screen != screenReview {
		t.Fatal("saving left the review")
	}

	// What was saved is what the review showed, tokens included.
	a, err := writer.ReadAnswers(path)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := writer.ResolveTokens(a, func(string) string { return "" }, writer.Layout{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Domain != m.reviewScreen().msg.d.Domain || d.InjectionToken != testInjectionToken || d.WebhookToken != testWebhookToken {
		t.Fatalf("saved answers read back as %s with other tokens", d.Domain)
	}

	// ctrl+c now says the same, after the alternate screen is gone.
	err = m.abortError()
	if !errors.Is(err, ErrAborted) || !strings.Contains(err.Error(), "sudo kumoup apply --answers "+path) {
		t.Fatalf("quit error %v lacks the command", err)
	}

	// q leaves without an abort, and the farewell names the command.
	next, cmd = m.Update(press("q"))
	m = next.(Model)
	if cmd == nil || m.aborted {
		t.Fatalf("q after saving: quit %v, aborted %v; want a clean quit", cmd != nil, m.aborted)
	}
	var out strings.Builder
	m.farewell(&out)
	if !strings.Contains(out.String(), "sudo kumoup apply --answers "+path) {
		t.Fatalf("the farewell after saving lacks the command: %q", out.String())
	}
}

func TestQQuitsTheReviewAsAnAbortBeforeAnythingIsSaved(t *testing.T) {
	m := atReview(t, prefilled(), 80, 24)
	next, cmd := m.Update(press("q"))
	if m = next.(Model); cmd == nil || !m.aborted {
		t.Fatalf("q on the review: quit %v, aborted %v; want an abort (nothing written)", cmd != nil, m.aborted)
	}
}

func TestSavingOverSavedAnswersSaysWhyAndOffersToTryAgain(t *testing.T) {
	opt := prefilled()
	opt.SaveDir = shortDir(t)
	taken := filepath.Join(opt.SaveDir, writer.SavedAnswersName)
	os.WriteFile(taken, []byte("domain: earlier.example.com\n"), 0o600)
	m := refused(atReview(t, opt, 80, 24))
	next, cmd := m.Update(press("s"))
	m = runCmd(next.(Model), cmd)
	s := screenText(m)
	if !strings.Contains(s, "not saved") || !strings.Contains(s, "move or remove") {
		t.Fatalf("a refused save is not explained:\n%s", s)
	}
	if h := ansi.Strip(m.helpView()); !strings.Contains(h, "s save answers") {
		t.Fatalf("after a failed save, help line %q does not offer s again", h)
	}
	if m.abortError() != ErrAborted {
		t.Fatal("quitting after a failed save names saved answers")
	}
	if data, _ := os.ReadFile(taken); string(data) != "domain: earlier.example.com\n" {
		t.Fatal("the earlier answers were overwritten")
	}
}

func TestScreensReviewRefused(t *testing.T) {
	t.Run("offers_save", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return refused(atReview(t, prefilled(), w, h)) })
	})
	t.Run("saved", func(t *testing.T) {
		// A fixed directory, so the golden file names it.
		dir := "/tmp/kumoup-ui-golden-saved"
		eachSize(t, func(t *testing.T, w, h int) Model {
			os.RemoveAll(dir)
			t.Cleanup(func() { os.RemoveAll(dir) })
			opt := prefilled()
			opt.SaveDir = dir
			next, cmd := refused(atReview(t, opt, w, h)).Update(press("s"))
			return runCmd(next.(Model), cmd)
		})
	})
}

func TestTheProxyHostReviewSavesTheAnswersWithoutTokensForSudoKumoupProxy(t *testing.T) {
	m := refused(atProxyReview(t, 80, 24))
	m.opt.SaveDir = shortDir(t)
	if h := ansi.Strip(m.helpView()); !strings.Contains(h, "s save answers") {
		t.Fatalf("writing refused on the KumoProxy host: help line %q lacks s", h)
	}
	next, cmd := m.Update(press("s"))
	m = runCmd(next.(Model), cmd)
	path := filepath.Join(m.opt.SaveDir, writer.SavedAnswersName)
	if s := screenText(m); !strings.Contains(s, "sudo kumoup proxy --answers "+path) || strings.Contains(s, "token") {
		t.Fatalf("the screen lacks the proxy command, or speaks of tokens:\n%s", s)
	}
	entries, _ := os.ReadDir(m.opt.SaveDir)
	if len(entries) != 1 {
		t.Fatalf("saved %v; the KumoProxy host needs no token file", entries)
	}
	d, _, err := writer.ReadHostAnswers(path, writer.Layout{Root: t.TempDir()})
	if err != nil || d.ProxyHost != "10.0.0.5" || len(d.Firewall.MTAAddresses) != 1 {
		t.Fatalf("saved answers read back as %+v: %v", d, err)
	}
}
