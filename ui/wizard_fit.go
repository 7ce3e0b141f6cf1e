package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// huh wraps a field's description (and the group's errors) with
// lipgloss.Wrap at ',', '.', '-' and ';' as well as at spaces: a path, a
// host name or a flag in them breaks inside itself
// ("/etc/letsencrypt/live/mail.example." then "com/fullchain.pem"), and
// what is copied from two lines is then wrong. Wrapping leaves a line that
// fits alone, so the wizard wraps these texts itself, at spaces only
// (fitText), to the width huh would wrap them to, and again at every
// resize; a word wider than the whole line is the only one cut, after a
// '/' where it can. Errors are drawn by the wizard under the form
// (errorsView), wrapped the same way.

// labelled is a huh field with a title and a description: *huh.Input,
// *huh.Select[T], *huh.Text, ...
type labelled[F any] interface {
	Title(string) F
	Description(string) F
}

// label sets f's title and description ("" for none), wrapped at their
// spaces to the width huh gives them, now and after every resize
// ([wizard.fitTexts]).
func label[F labelled[F]](w *wizard, f F, title, description string) F {
	return labelFunc(w, f, title, func() string { return description })
}

// labelFunc is label with a description that follows the draft (read
// again at every fitTexts).
func labelFunc[F labelled[F]](w *wizard, f F, title string, description func() string) F {
	w.fits = append(w.fits,
		fittedText{text: func() string { return title }, set: func(s string) { f.Title(s) }},
		fittedText{text: description, set: func(s string) { f.Description(s) }})
	w.fit(w.fits[len(w.fits)-2:], w.fieldTextWidth())
	return f
}

// fittedText is a text of the current page that huh would wrap: what it
// says, and how to set it (wrapped) on its field.
type fittedText struct {
	text func() string
	set  func(string)
}

// formWidth is the width the form is given (see SetSize).
func (w *wizard) formWidth() int { return min(w.width, 100) }

// fieldTextWidth is the width huh wraps a field's title and description
// to: the form's width less the field's border and padding (the focused
// and the blurred frames, the wider).
func (w *wizard) fieldTextWidth() int {
	if w.width <= 0 {
		return 0 // not laid out yet: SetSize fits the texts
	}
	th := w.st.Huh.Theme(w.bg == nil || w.bg.IsDark())
	frame := max(th.Focused.Base.GetHorizontalFrameSize(), th.Blurred.Base.GetHorizontalFrameSize())
	return max(w.formWidth()-frame, 1)
}

// fitTexts wraps the current page's texts to its width once more.
func (w *wizard) fitTexts() { w.fit(w.fits, w.fieldTextWidth()) }

func (w *wizard) fit(texts []fittedText, width int) {
	for _, t := range texts {
		// Before the first SetSize (width 0) the text is set whole.
		t.set(fitText(t.text(), width))
	}
}

// errorsView is the form's validation errors, each wrapped at its spaces
// to the body's width (huh's own footer would break a quoted path or host
// name at a '.'), continuation lines indented under the message.
func (w *wizard) errorsView() string {
	if w.form == nil {
		return ""
	}
	var lines []string
	for _, err := range w.form.Errors() {
		for _, l := range wrapIndented("* "+err.Error(), max(w.width, 1), 2) {
			lines = append(lines, w.st.Error.Render(l))
		}
	}
	return w.underForm(lines)
}

// underForm is what errorsView and warningsView add under the form: a
// blank line between the form and them (none when compact), then each of
// lines on a line of its own; nothing when there are no lines.
func (w *wizard) underForm(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	if !w.compact {
		b.WriteString("\n")
	}
	for _, l := range lines {
		b.WriteString("\n" + l)
	}
	return b.String()
}

// errorsHeight is how many lines errorsView adds under the form (each of
// its lines starts with a newline).
func (w *wizard) errorsHeight() int { return strings.Count(w.errorsView(), "\n") }

// warningsHeight is how many lines warningsView adds under the form.
func (w *wizard) warningsHeight() int { return strings.Count(w.warningsView(), "\n") }

// fitText wraps plain text to w cells at its spaces only. A word wider
// than a whole line (a demo's certificate path at 80 columns) is the one
// thing cut: it goes on after what precedes it and breaks after the last
// '/' that fits, so the page takes no more lines than it must, and a word
// with no '/' is cut at the edge.
func fitText(s string, w int) string {
	if w <= 0 {
		return s
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, fitLine(para, w)...)
	}
	return strings.Join(out, "\n")
}

func fitLine(s string, w int) []string {
	var (
		out  []string
		line string
	)
	for _, word := range strings.Split(s, " ") {
		sep := ""
		if line != "" {
			sep = " "
		}
		switch {
		case ansi.StringWidth(line+sep+word) <= w:
			line += sep + word
			continue
		case ansi.StringWidth(word) <= w:
			out = append(out, line)
			line = word
			continue
		}
		for ansi.StringWidth(line+sep+word) > w {
			room := w - ansi.StringWidth(line+sep)
			cut := strings.LastIndex(ansi.Cut(word, 0, room), "/") + 1
			if line != "" && cut < max(room/2, 8) {
				// Too little of it would fit here: start a line.
				out = append(out, line)
				line, sep = "", ""
				continue
			}
			if cut == 0 {
				cut = len(ansi.Cut(word, 0, w)) // no '/' to break after
			}
			if cut == 0 {
				// A character wider than the line (a CJK one at w 1):
				// it goes whole, or the loop would never end.
				_, cut = utf8.DecodeRuneInString(word)
			}
			out = append(out, line+sep+word[:cut])
			line, sep = "", ""
			word = word[cut:]
		}
		line += sep + word
	}
	return append(out, line)
}
