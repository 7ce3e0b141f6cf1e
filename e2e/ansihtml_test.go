package e2e

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"testing"
)

// The terminal picture in the README is drawn from `tmux capture-pane -e`:
// text with SGR escapes, turned into HTML spans here and photographed by a
// headless browser (see picture_test.go).

// palette is the 16 ANSI colors (Catppuccin Mocha, the tape's theme).
var palette = [16]string{
	"#45475a", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#bac2de",
	"#585b70", "#f38ba8", "#a6e3a1", "#f9e2af", "#89b4fa", "#f5c2e7", "#94e2d5", "#a6adc8",
}

const (
	defaultFG = "#cdd6f4"
	defaultBG = "#1e1e2e"
)

// cellStyle is the SGR state of a run of text.
type cellStyle struct {
	fg, bg                               string // "" means the default
	bold, faint, italic, under, reversed bool
}

func (s cellStyle) css() string {
	fg, bg := s.fg, s.bg
	if s.reversed {
		fg, bg = or(bg, defaultBG), or(fg, defaultFG)
	}
	var b []string
	if fg != "" {
		b = append(b, "color:"+fg)
	}
	if bg != "" {
		b = append(b, "background:"+bg)
	}
	if s.bold {
		b = append(b, "font-weight:bold")
	}
	if s.faint {
		b = append(b, "opacity:0.6")
	}
	if s.italic {
		b = append(b, "font-style:italic")
	}
	if s.under {
		b = append(b, "text-decoration:underline")
	}
	return strings.Join(b, ";")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// color256 is xterm's 256-color palette entry n.
func color256(n int) string {
	switch {
	case n < 16:
		return palette[n]
	case n < 232:
		n -= 16
		level := func(v int) int {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return fmt.Sprintf("#%02x%02x%02x", level(n/36), level(n/6%6), level(n%6))
	default:
		v := 8 + 10*(n-232)
		return fmt.Sprintf("#%02x%02x%02x", v, v, v)
	}
}

// applySGR updates s with the parameters of one SGR sequence ("1;38;5;12",
// "38:2::10:20:30", "" for a reset).
func (s *cellStyle) applySGR(params string) {
	if params == "" {
		*s = cellStyle{}
		return
	}
	ps := strings.Split(params, ";")
	num := func(p string) int { n, _ := strconv.Atoi(p); return n }
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		if strings.Contains(p, ":") { // 38:2::r:g:b or 38:5:n
			sub := strings.Split(p, ":")
			if c := extendedColor(sub[1:], num); c != "" {
				if sub[0] == "38" {
					s.fg = c
				} else if sub[0] == "48" {
					s.bg = c
				}
			}
			continue
		}
		switch n := num(p); {
		case n == 0:
			*s = cellStyle{}
		case n == 1:
			s.bold = true
		case n == 2:
			s.faint = true
		case n == 3:
			s.italic = true
		case n == 4:
			s.under = true
		case n == 7:
			s.reversed = true
		case n == 22:
			s.bold, s.faint = false, false
		case n == 23:
			s.italic = false
		case n == 24:
			s.under = false
		case n == 27:
			s.reversed = false
		case n >= 30 && n <= 37:
			s.fg = palette[n-30]
		case n == 39:
			s.fg = ""
		case n >= 40 && n <= 47:
			s.bg = palette[n-40]
		case n == 49:
			s.bg = ""
		case n >= 90 && n <= 97:
			s.fg = palette[n-90+8]
		case n >= 100 && n <= 107:
			s.bg = palette[n-100+8]
		case n == 38 || n == 48:
			var c string
			if i+2 < len(ps) && ps[i+1] == "5" {
				c, i = color256(num(ps[i+2])), i+2
			} else if i+4 < len(ps) && ps[i+1] == "2" {
				c = fmt.Sprintf("#%02x%02x%02x", num(ps[i+2]), num(ps[i+3]), num(ps[i+4]))
				i += 4
			}
			if n == 38 {
				s.fg = c
			} else {
				s.bg = c
			}
		}
	}
}

// extendedColor reads the colon form after 38/48: "5:n" or "2:[cs]:r:g:b".
func extendedColor(sub []string, num func(string) int) string {
	switch {
	case len(sub) >= 2 && sub[0] == "5":
		return color256(num(sub[1]))
	case len(sub) >= 5 && sub[0] == "2":
		rgb := sub[len(sub)-3:]
		return fmt.Sprintf("#%02x%02x%02x", num(rgb[0]), num(rgb[1]), num(rgb[2]))
	}
	return ""
}

// ansiToHTML turns captured terminal text with SGR escapes into HTML lines
// of spans. Other escape sequences are dropped.
func ansiToHTML(screen string) string {
	var b strings.Builder
	var st cellStyle
	for _, line := range strings.Split(strings.TrimRight(screen, "\n"), "\n") {
		open := false
		run := func() {
			if open {
				b.WriteString("</span>")
				open = false
			}
			if css := st.css(); css != "" {
				b.WriteString(`<span style="` + css + `">`)
				open = true
			}
		}
		run()
		for i := 0; i < len(line); {
			if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
				j := i + 2
				for j < len(line) && (line[j] < 0x40 || line[j] > 0x7e) {
					j++
				}
				if j < len(line) && line[j] == 'm' {
					st.applySGR(line[i+2 : j])
					run()
				}
				i = j + 1
				continue
			}
			j := strings.IndexByte(line[i:], 0x1b)
			if j < 0 {
				j = len(line) - i
			}
			b.WriteString(html.EscapeString(line[i : i+j]))
			i += j
		}
		if open {
			b.WriteString("</span>")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestANSIToHTMLKeepsTextAndColors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain <text> & more", "plain &lt;text&gt; &amp; more\n"},
		{"\x1b[1;31mred\x1b[0m ok", `<span style="color:#f38ba8;font-weight:bold">red</span> ok` + "\n"},
		{"\x1b[38;5;196mx\x1b[39m", `<span style="color:#ff0000">x</span>` + "\n"},
		{"\x1b[38;2;1;2;3;48;2;4;5;6mx", `<span style="color:#010203;background:#040506">x</span>` + "\n"},
		{"\x1b[38:2::10:20:30mx", `<span style="color:#0a141e">x</span>` + "\n"},
		{"\x1b[7mrev", `<span style="color:#1e1e2e;background:#cdd6f4">rev</span>` + "\n"},
		{"\x1b[?25lhidden cursor", "hidden cursor\n"},
	} {
		if got := ansiToHTML(c.in); got != c.want {
			t.Errorf("ansiToHTML(%q) =\n%s\nwant\n%s", c.in, got, c.want)
		}
	}
}
