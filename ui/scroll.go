package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// scroller is a window over pre-rendered lines, for long screens (the
// review's diffs, next-step output). Plain state: offset and lines.
type scroller struct {
	lines  []string
	offset int
	height int
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
func (s *scroller) Update(msg tea.Msg, k KeyMap) bool {
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
		mark := st.Muted.Render(strings.Repeat(" ", 2) + "── " + itoa(s.offset+1) + "-" + itoa(end) + " of " + itoa(len(s.lines)) + " lines (" + itoa(pct) + "%) ↑/↓ pgup/pgdn ──")
		vis = append(vis[:len(vis)-1:len(vis)-1], mark)
	}
	return strings.Join(vis, "\n")
}

// truncate cuts a styled line to w cells.
func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// wrapText wraps plain text to w cells.
func wrapText(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Wrap(s, w, "")
}
