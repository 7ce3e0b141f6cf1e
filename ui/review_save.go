package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// answersSavedMsg is the result of saveAnswersCmd: the answers file
// written, or why not.
type answersSavedMsg struct {
	path string
	err  error
}

// saveAnswersCmd saves d (tokens in their own 0600 files) in dir, or in
// ~/kumoup-answers when dir is empty, for sudo to finish.
func saveAnswersCmd(dir string, d model.Deployment) tea.Cmd {
	return func() tea.Msg {
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return answersSavedMsg{err: fmt.Errorf("find your home directory to save the answers in ~/%s: %w (set $HOME)", writer.DefaultSaveDir, err)}
			}
			dir = filepath.Join(home, writer.DefaultSaveDir)
		}
		path, err := writer.SaveAnswers(dir, d)
		return answersSavedMsg{path: path, err: err}
	}
}

// finishCommand is the command, less the answers file, that applies
// answers saved on host h.
func finishCommand(h writer.Host) string {
	if h == writer.HostProxy {
		return "sudo kumoup proxy --answers "
	}
	return "sudo kumoup apply --answers "
}

// tokens reports whether saved answers hold the tokens: the KumoProxy
// host needs none.
func (r review) tokens() bool { return r.host == writer.HostMTA }

// canSave reports whether the review may save the answers instead of
// writing: the plan was rendered but writing is refused for lack of root.
func (r review) canSave() bool {
	return r.msg.err == nil && r.msg.plan != nil && errors.Is(r.msg.rootErr, writer.ErrNotRoot)
}

// offersSave reports whether the save key is live: it can save and has
// not saved yet, nor is saving.
func (r review) offersSave() bool { return r.canSave() && !r.saving && r.saved == "" }

// startSave saves the reviewed answers in a command.
func (m *Model) startSave() tea.Cmd {
	r := m.reviewScreen()
	if !r.offersSave() {
		return nil
	}
	r.saving, r.saveErr = true, nil
	m.relayout()
	d := r.msg.d
	if !r.tokens() {
		d.InjectionToken, d.WebhookToken = "", ""
	}
	return saveAnswersCmd(m.opt.SaveDir, d)
}

// recordSaved shows where the answers went, or why they did not.
func (r *review) recordSaved(m *Model, msg answersSavedMsg) {
	r.saving = false
	if msg.err != nil {
		r.saveErr = msg.err
	} else {
		r.saved = msg.path
		m.saved = finishCommand(r.host) + msg.path
	}
	m.relayout()
}

// saveQuestion is the review's question while writing is refused and the
// answers can be saved.
func (r review) saveQuestion() string {
	w := max(r.width, 20)
	switch {
	case r.saving:
		return "Saving the answers…"
	case r.saved != "":
		what := "Answers saved in " + filepath.Dir(r.saved)
		if r.tokens() {
			what += ", each token in its own 0600 file beside them"
		}
		out := wrapText(what+"; nothing on this host was changed. Finish as root with:", w)
		for _, l := range wrapCommand(finishCommand(r.host)+r.saved, w-2) {
			out += "\n  " + l
		}
		return out + "\n" + wrapText("q: quit (the command is printed again) · esc: change the answers", w)
	case r.saveErr != nil:
		return wrapText("The answers were not saved: "+r.saveErr.Error(), w) + "\n" + wrapText("s: try again · esc: change the answers · q: quit", w)
	}
	what := "the answers"
	if r.tokens() {
		what += " (tokens in private files)"
	}
	return wrapText("Writing is refused without root. s: save "+what+" to finish with "+strings.TrimSuffix(finishCommand(r.host), " --answers ")+" · esc: change the answers · q: quit", w)
}
