package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Styles holds every color and border the UI uses. Screens never build
// their own styles: they take them from here, so the no-color variant is
// complete by construction.
type Styles struct {
	Color bool

	// SelectedMark and the Tab pair show the selection in text as well:
	// without color the reversed video may be dropped (TERM=dumb), and a
	// selection must still read. With color they add nothing.
	SelectedMark          string // one cell before the selected row
	MarkOpen, MarkClose   string // around the active tab and a typed field
	TabPadOpen, TabPadEnd string // around the other tabs

	Title    lipgloss.Style // screen title in the header
	Step     lipgloss.Style // "step 2 of 6" next to the title
	Banner   lipgloss.Style // the demo banner
	Heading  lipgloss.Style // a section heading inside a screen
	Muted    lipgloss.Style // secondary text
	Label    lipgloss.Style // left column of a key/value table
	Value    lipgloss.Style // right column of a key/value table
	Code     lipgloss.Style // a command the operator can type
	Secret   lipgloss.Style // a revealed secret
	Selected lipgloss.Style // the selected row of a list
	Error    lipgloss.Style // an error message
	Changed  lipgloss.Style // the "changed since the last run" mark
	Stale    lipgloss.Style // metrics kept from an earlier scrape

	Pass lipgloss.Style
	Warn lipgloss.Style
	Fail lipgloss.Style
	Skip lipgloss.Style

	DiffAdd  lipgloss.Style
	DiffDel  lipgloss.Style
	DiffHunk lipgloss.Style

	Spark lipgloss.Style // sparkline bars

	Pane        lipgloss.Style // a dashboard pane's border
	PaneFocused lipgloss.Style // the focused pane's border

	Help help.Styles
	Huh  huh.Theme
}

// colorWanted reports whether the environment allows colors: NO_COLOR
// (set and not empty), TERM=dumb and a monochrome terminal's TERM
// (xterm-mono, vt100-m: the terminfo convention's -mono and -m) turn them
// off.
func colorWanted(getenv func(string) string) bool {
	term := getenv("TERM")
	mono := strings.HasSuffix(term, "-mono") || strings.HasSuffix(term, "-m")
	return getenv("NO_COLOR") == "" && term != "dumb" && !mono
}

// NewStyles returns the UI's styles, with colors or without. Without
// colors every state still reads: status glyphs differ, the selection is
// reversed, headings are bold.
func NewStyles(withColor bool) *Styles {
	if !withColor {
		return noColorStyles()
	}
	var (
		accent = lipgloss.Color("5") // magenta
		green  = lipgloss.Color("2")
		yellow = lipgloss.Color("3")
		red    = lipgloss.Color("1")
		cyan   = lipgloss.Color("6")
		grey   = lipgloss.Color("8")
	)
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	border := lipgloss.RoundedBorder()
	return &Styles{
		Color:        true,
		SelectedMark: " ",
		MarkOpen:     " ", MarkClose: " ", TabPadOpen: " ", TabPadEnd: " ",
		Title:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Step:        fg(grey),
		Banner:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("0")).Background(yellow),
		Heading:     lipgloss.NewStyle().Bold(true),
		Muted:       fg(grey),
		Label:       fg(grey),
		Value:       lipgloss.NewStyle(),
		Code:        fg(cyan),
		Secret:      lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Selected:    lipgloss.NewStyle().Reverse(true),
		Error:       lipgloss.NewStyle().Foreground(red),
		Changed:     lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Stale:       fg(yellow),
		Pass:        fg(green),
		Warn:        fg(yellow),
		Fail:        lipgloss.NewStyle().Bold(true).Foreground(red),
		Skip:        fg(grey),
		DiffAdd:     fg(green),
		DiffDel:     fg(red),
		DiffHunk:    fg(cyan),
		Spark:       fg(cyan),
		Pane:        lipgloss.NewStyle().Border(border).BorderForeground(grey),
		PaneFocused: lipgloss.NewStyle().Border(border).BorderForeground(accent),
		Help:        help.DefaultDarkStyles(),
		Huh:         cachedTheme(huh.ThemeCharm),
	}
}

func noColorStyles() *Styles {
	plain := lipgloss.NewStyle()
	bold := lipgloss.NewStyle().Bold(true)
	h := help.Styles{
		Ellipsis:       plain,
		ShortKey:       bold,
		ShortDesc:      plain,
		ShortSeparator: plain,
		FullKey:        bold,
		FullDesc:       plain,
		FullSeparator:  plain,
	}
	return &Styles{
		SelectedMark: ">",
		MarkOpen:     "[", MarkClose: "]", TabPadOpen: " ", TabPadEnd: " ",
		Title:       bold,
		Step:        plain,
		Banner:      lipgloss.NewStyle().Reverse(true),
		Heading:     bold,
		Muted:       plain,
		Label:       plain,
		Value:       plain,
		Code:        plain,
		Secret:      bold,
		Selected:    lipgloss.NewStyle().Reverse(true),
		Error:       bold,
		Changed:     bold,
		Stale:       plain,
		Pass:        plain,
		Warn:        plain,
		Fail:        bold,
		Skip:        plain,
		DiffAdd:     plain,
		DiffDel:     plain,
		DiffHunk:    plain,
		Spark:       plain,
		Pane:        lipgloss.NewStyle().Border(lipgloss.NormalBorder()),
		PaneFocused: lipgloss.NewStyle().Border(lipgloss.ThickBorder()),
		Help:        h,
		Huh:         cachedTheme(huh.ThemeBase),
	}
}

// cachedTheme builds each variant (dark, light) of a huh theme once: huh
// asks its theme for the styles at every render of every field, and
// building the Charm theme costs more than rendering a page.
func cachedTheme(build func(isDark bool) *huh.Styles) huh.Theme {
	return &themeCache{build: build}
}

type themeCache struct {
	build       func(isDark bool) *huh.Styles
	dark, light *huh.Styles
}

func (c *themeCache) Theme(isDark bool) *huh.Styles {
	if isDark {
		if c.dark == nil {
			c.dark = c.build(true)
		}
		return c.dark
	}
	if c.light == nil {
		c.light = c.build(false)
	}
	return c.light
}

// Status glyphs: distinct shapes, so they read without color.
const (
	glyphPass    = "✓"
	glyphWarn    = "!"
	glyphFail    = "✗"
	glyphSkip    = "-"
	glyphPending = "·"
	glyphRunning = "…"
	glyphChanged = "*"
	glyphCont    = "↪" // a wrapped line of a file or diff continues
)

// frame draws lines inside a pane border of exactly w×h cells (border
// included), cutting or padding every line to the inner width. It measures
// each line once: this is the dashboard's hot path, cheaper than a
// lipgloss block render with Width and Height.
func (st *Styles) frame(lines []string, w, h int, focused bool) []string {
	style := st.Pane
	if focused {
		style = st.PaneFocused
	}
	b := style.GetBorderStyle()
	paint := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	if !st.Color {
		paint = lipgloss.NewStyle()
	}
	iw, ih := max(w-2, 1), max(h-2, 1)
	left, right := paint.Render(b.Left), paint.Render(b.Right)
	out := make([]string, 0, ih+2)
	out = append(out, paint.Render(b.TopLeft+strings.Repeat(b.Top, iw)+b.TopRight))
	for i := range ih {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		lw := ansi.StringWidth(l)
		if lw > iw {
			l, lw = ansi.Truncate(l, iw, "…"), iw
		}
		out = append(out, left+l+strings.Repeat(" ", iw-lw)+right)
	}
	out = append(out, paint.Render(b.BottomLeft+strings.Repeat(b.Bottom, iw)+b.BottomRight))
	return out
}
