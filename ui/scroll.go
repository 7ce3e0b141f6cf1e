package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/internal/shellwords"
)

// scroller is a window over pre-rendered lines, for long screens (the
// review's diffs, next-step output). Plain state: offset and lines.
type scroller struct {
	lines  []string
	offset int
	height int
	// hint says how to scroll, on the position mark ("" for the
	// movement keys).
	hint string
}

func (s *scroller) SetLines(lines []string) {
	s.lines = lines
	s.clamp()
}

func (s *scroller) SetHeight(h int) {
	s.height = max(h, 1)
	s.clamp()
}

func (s *scroller) clamp() {
	s.offset = min(s.offset, max(len(s.lines)-s.height, 0))
	s.offset = max(s.offset, 0)
}

// Update scrolls on the movement keys; it reports whether msg was one.
func (s *scroller) Update(msg tea.Msg, k ScrollKeys) bool {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false
	}
	switch {
	case key.Matches(km, k.Up):
		s.offset--
	case key.Matches(km, k.Down):
		s.offset++
	case key.Matches(km, k.PageUp):
		s.offset -= s.height - 1
	case key.Matches(km, k.PageDown):
		s.offset += s.height - 1
	case key.Matches(km, k.Top):
		s.offset = 0
	case key.Matches(km, k.Bottom):
		s.offset = len(s.lines)
	default:
		return false
	}
	s.clamp()
	return true
}

// View renders the visible window, with a position mark on the last line
// when the content is longer than the window.
func (s scroller) View(st *Styles) string {
	end := min(s.offset+s.height, len(s.lines))
	vis := s.lines[s.offset:end]
	if len(s.lines) > s.height && len(vis) > 0 {
		pct := 100
		if len(s.lines) > s.height {
			pct = 100 * end / len(s.lines)
		}
		hint := s.hint
		if hint == "" {
			hint = "↑/↓ pgup/pgdn"
		}
		mark := st.Muted.Render(strings.Repeat(" ", 2) + "── " + itoa(s.offset+1) + "-" + itoa(end) + " of " + itoa(len(s.lines)) + " lines (" + itoa(pct) + "%) " + hint + " ──")
		vis = append(vis[:len(vis)-1:len(vis)-1], mark)
	}
	return strings.Join(vis, "\n")
}

// truncate cuts a styled line to w cells.
func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// wrapText wraps text to w cells at its spaces only: a command, a path or
// a line of code is never broken inside a word ("--connect-to",
// "kumoup-demo-1", "'/etc/policy/?.lua;'"), so what is shown can be
// copied. A word wider than w alone is cut at w, the only way to show it
// all inside a pane.
func wrapText(s string, w int) string { return strings.Join(wrapLines(s, w), "\n") }

// wrapLines is wrapText's lines.
func wrapLines(s string, w int) []string {
	if w <= 0 {
		return strings.Split(s, "\n")
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapAtSpaces(para, w)...)
	}
	return out
}

// wrapAtSpaces wraps one line (it may hold styles) to w cells.
func wrapAtSpaces(line string, w int) []string {
	if ansi.StringWidth(line) <= w {
		return []string{line}
	}
	var (
		out   []string
		cur   strings.Builder
		width int
	)
	flush := func() {
		out = append(out, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		width = 0
	}
	for i, word := range strings.Split(line, " ") {
		ww := ansi.StringWidth(word)
		switch {
		case i == 0:
		case width+1+ww <= w:
			cur.WriteByte(' ')
			width++
		case width > 0:
			flush()
		}
		for ww > w {
			// A word wider than the line: cut it, as the last resort.
			if width > 0 {
				flush()
			}
			cut := w
			if i := strings.LastIndex(ansi.Strip(ansi.Cut(word, 0, w)), "/"); i >= w/2 {
				cut = i + 1 // a path reads better cut after a '/'
			}
			if ansi.Cut(word, 0, cut) == "" {
				// A character wider than the line (a CJK one at w 1):
				// it goes whole, or the loop would never end.
				cut = firstCharWidth(word)
			}
			out = append(out, ansi.Cut(word, 0, cut))
			word = ansi.Cut(word, cut, ww)
			ww = ansi.StringWidth(word)
		}
		cur.WriteString(word)
		width += ww
	}
	if cur.Len() > 0 || len(out) == 0 {
		flush()
	}
	return out
}

// firstCharWidth is the width of s's first printable character (at least
// 1): the least a wrapper must take of a word to go on.
func firstCharWidth(s string) int {
	r, _ := utf8.DecodeRuneInString(ansi.Strip(s))
	return max(ansi.StringWidth(string(r)), 1)
}

// wrapCommand wraps a shell command to w cells at its spaces (never inside
// quotes), ending every line but the last with " \\" and indenting the
// continuation lines by two spaces: pasted as shown, the lines still run
// as one command. A single word wider than w is left whole.
func wrapCommand(cmd string, w int) []string {
	return wrapWords(cmd, shellwords.Split(cmd), w, "  ", " \\")
}

// wrapLua wraps one line of Lua to w cells at its spaces, never inside a
// quoted string of code: code continues on lines indented by two spaces, a
// comment on lines starting "-- ", so that the lines pasted as shown mean
// the same.
func wrapLua(line string, w int) []string {
	if strings.HasPrefix(strings.TrimSpace(line), "--") {
		return wrapWords(line, strings.Fields(line), w, "-- ", "")
	}
	return wrapWords(line, shellwords.Split(line), w, "  ", "")
}

// wrapWords wraps s, split into words, to w cells, starting the
// continuation lines with cont and ending every line but the last with
// suffix.
func wrapWords(s string, words []string, w int, cont, suffix string) []string {
	if w <= len(cont)+len(suffix)+4 || ansi.StringWidth(s) <= w {
		return []string{s}
	}
	var (
		out  []string
		line string
	)
	for _, word := range words {
		limit := w - len(suffix)
		if len(out) > 0 {
			limit -= len(cont)
		}
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= limit:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	out = append(out, line)
	for i := range out {
		if i > 0 {
			out[i] = cont + out[i]
		}
		if i < len(out)-1 {
			out[i] += suffix
		}
	}
	return out
}

// wrapIndented wraps plain text to w cells, the lines after the first
// indented by indent spaces (within w).
func wrapIndented(s string, w, indent int) []string {
	lines := wrapLines(s, w)
	if len(lines) == 1 || w-indent < 10 {
		return lines
	}
	rest := strings.Join(lines[1:], " ")
	if first := lines[0]; strings.HasPrefix(s, first) {
		rest = strings.TrimLeft(s[len(first):], " ")
	}
	out := []string{lines[0]}
	for _, l := range wrapLines(rest, w-indent) {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

// columnPath lays a file path out in a column col cells in (after a
// label), in w cells: on the label's line when it fits there; else whole
// on a line of its own, two cells in, when it fits one (the demo's long
// paths at 80 columns), so that it copies in one piece; else cut after a
// '/' as wrapPath does, in the column. The first line is what follows the
// label ("" when the path starts below it); the others carry their indent.
func columnPath(path string, col, w int) []string {
	pw := ansi.StringWidth(path)
	switch {
	case col+pw <= w || w <= 0:
		return []string{path}
	case pw <= w-2:
		return []string{"", "  " + path}
	}
	parts := wrapPath(path, w-col)
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.Repeat(" ", col) + parts[i]
	}
	return parts
}

// wrapPath cuts a file path into lines of at most w cells, breaking after
// a '/' where it can: every character stays visible.
func wrapPath(p string, w int) []string {
	if w < 10 {
		return []string{p}
	}
	var out []string
	for ansi.StringWidth(p) > w {
		cut := strings.LastIndex(ansi.Cut(p, 0, w), "/") + 1
		if cut <= 1 {
			cut = len(ansi.Cut(p, 0, w))
		}
		out = append(out, p[:cut])
		p = p[cut:]
	}
	return append(out, p)
}
