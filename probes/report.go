package probes

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/internal/redact"
)

// TextOptions tune the plain report.
type TextOptions struct {
	// Profile is the terminal's color profile, from colorprofile.Detect
	// (which honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb). The zero
	// value, NoTTY and ASCII print no escape codes at all.
	Profile colorprofile.Profile
	// Width is the line width; 0 means 80.
	Width int
	// Elapsed is the wall time of the whole sweep, shown in the summary
	// line; 0 leaves it out.
	Elapsed time.Duration
}

// The report's glyphs and colors, one per status.
var (
	glyphs = map[Status]string{StatusPass: "✓", StatusWarn: "!", StatusFail: "✗", StatusSkip: "-"}
	tints  = map[Status]lipgloss.Style{
		StatusPass: lipgloss.NewStyle().Foreground(lipgloss.Green),
		StatusWarn: lipgloss.NewStyle().Foreground(lipgloss.Yellow),
		StatusFail: lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true),
		StatusSkip: lipgloss.NewStyle().Foreground(lipgloss.BrightBlack),
	}
)

// Column layout of the text report.
const (
	defaultReportWidth = 80
	maxIDColumn        = 30
	minDetailColumn    = 24
	remedyPrefix       = "fix: "
)

// MaxDetail is how many characters of a check's detail (and remedy) the
// reports print: kumoup's own messages are far shorter, so only a detail
// that quotes a server or a file at length is cut, and an endpoint cannot
// flood the terminal or a monitoring system's JSON with its body.
const MaxDetail = 2000

// bounded is s cut to MaxDetail characters, "… (cut)" marking a cut.
func bounded(s string) string {
	if utf8.RuneCountInString(s) <= MaxDetail {
		return s
	}
	return redact.Cut(s, MaxDetail) + " (cut)"
}

// WriteText writes results as a table that fits opt.Width columns: a status
// glyph (✓ pass, ! warn, ✗ fail, - skip), the check ID, and the detail
// (at most MaxDetail characters) wrapped beside it; under every warning and failure its remedy; then a
// summary line. Failures that block other checks come first, under a line
// such as "1 problem blocks 3 checks:", each followed by the checks it
// blocks.
func WriteText(w io.Writer, results []Result, opt TextOptions) error {
	width := opt.Width
	if width <= 0 {
		width = defaultReportWidth
	}
	idCol := 0
	for _, r := range results {
		idCol = max(idCol, len(r.ID))
	}
	idCol = min(idCol, maxIDColumn)
	indent := 2 + idCol + 2
	if width-indent < minDetailColumn {
		indent = 4
	}
	detailWidth := width - indent
	pad := strings.Repeat(" ", indent)

	var b strings.Builder
	row := func(r Result, blocks []string) {
		head := tints[r.Status].Render(glyphs[r.Status]) + " " + r.ID
		lines := reportWrap(bounded(r.Detail), detailWidth)
		if remedy := bounded(r.Remedy); remedy != "" && (r.Status == StatusWarn || r.Status == StatusFail) {
			hang := strings.Repeat(" ", len(remedyPrefix))
			// A remedy's own lines (code to paste) stay lines.
			var fix []string
			for _, para := range strings.Split(remedy, "\n") {
				fix = append(fix, reportWrap(para, detailWidth-len(remedyPrefix))...)
			}
			for i, l := range fix {
				lead := hang
				if i == 0 {
					// The fix is the text to read: only its label is tinted.
					lead = tints[r.Status].Render(strings.TrimSpace(remedyPrefix)) + " "
				}
				lines = append(lines, lead+l)
			}
		}
		if len(blocks) > 0 {
			lines = append(lines, reportWrap(fmt.Sprintf("blocks %s: %s", reportPlural(len(blocks), "check", "checks"), strings.Join(blocks, ", ")), detailWidth)...)
		}
		if indent == 4 || len(r.ID) > idCol {
			b.WriteString(head + "\n")
		} else {
			b.WriteString(head + strings.Repeat(" ", indent-2-len(r.ID)) + lines[0] + "\n")
			lines = lines[1:]
		}
		for _, l := range lines {
			b.WriteString(pad + l + "\n")
		}
	}
	// Root causes first, under a line that says what they cost.
	causes := RootCauses(results)
	if len(causes) > 0 {
		n := 0
		for _, c := range causes {
			n += len(c.Blocks)
		}
		b.WriteString(tints[StatusFail].Render(reportPlural(len(causes), "problem blocks", "problems block")) + " " + reportPlural(n, "check", "checks") + ":\n")
		for _, c := range causes {
			row(c.Result, c.Blocks)
		}
		b.WriteString("\n")
	}
	for _, r := range results {
		if !slices.ContainsFunc(causes, func(c Cause) bool { return c.ID == r.ID }) {
			row(r, nil)
		}
	}
	if len(results) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(summaryLine(results, opt.Elapsed) + "\n")

	cw := &colorprofile.Writer{Forward: w, Profile: opt.Profile}
	if opt.Profile == colorprofile.Unknown {
		cw.Profile = colorprofile.NoTTY
	}
	_, err := io.WriteString(cw, b.String())
	return err
}

// summaryLine is "✗ 10 checks: 7 passed, 1 warning, 1 failed, 1 skipped in 1.2s".
func summaryLine(results []Result, elapsed time.Duration) string {
	s := Summarize(results)
	overall := StatusPass
	switch {
	case s.Fail > 0:
		overall = StatusFail
	case s.Warn > 0:
		overall = StatusWarn
	case s.Pass == 0:
		overall = StatusSkip
	}
	line := fmt.Sprintf("%s: %d passed, %s, %d failed, %d skipped",
		reportPlural(len(results), "check", "checks"), s.Pass, reportPlural(s.Warn, "warning", "warnings"), s.Fail, s.Skip)
	if elapsed > 0 {
		step := 10 * time.Millisecond
		if elapsed < time.Second {
			step = time.Millisecond
		}
		line += " in " + elapsed.Round(step).String()
	}
	return tints[overall].Render(glyphs[overall]) + " " + line
}

func reportPlural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// jsonReport is the --json shape:
// {"checks":[{"id","title","status","detail","remedy","blocked_by","duration_ms"}],
// "root_causes":[{"id","blocks"}],"summary":{"pass","warn","fail","skip"}}.
type jsonReport struct {
	Checks     []jsonCheck `json:"checks"`
	RootCauses []jsonCause `json:"root_causes"`
	Summary    Summary     `json:"summary"`
}

// jsonCause is one failed check and the IDs of the checks it blocks.
type jsonCause struct {
	ID     string   `json:"id"`
	Blocks []string `json:"blocks"`
}

type jsonCheck struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Status     Status `json:"status"`
	Detail     string `json:"detail"`
	Remedy     string `json:"remedy"`
	BlockedBy  string `json:"blocked_by"`
	DurationMS int64  `json:"duration_ms"`
}

// WriteJSON writes results as {"checks":[{"id","title","status","detail",
// "remedy","blocked_by","duration_ms"}],"root_causes":[{"id","blocks"}],
// "summary":{"pass","warn","fail","skip"}}, details and remedies cut to
// MaxDetail characters, with every key always present
// (remedy and blocked_by "" when there is none, root_causes [] when no
// failure blocks another check).
func WriteJSON(w io.Writer, results []Result) error {
	rep := jsonReport{Checks: make([]jsonCheck, 0, len(results)), RootCauses: []jsonCause{}, Summary: Summarize(results)}
	for _, r := range results {
		rep.Checks = append(rep.Checks, jsonCheck{
			ID: r.ID, Title: r.Title, Status: r.Status, Detail: bounded(r.Detail), Remedy: bounded(r.Remedy),
			BlockedBy: r.BlockedBy, DurationMS: r.Duration.Milliseconds(),
		})
	}
	for _, c := range RootCauses(results) {
		rep.RootCauses = append(rep.RootCauses, jsonCause{ID: c.ID, Blocks: c.Blocks})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteList writes one line per check: its ID and title, for --list.
func WriteList(w io.Writer, checks []Check) error {
	idCol := 0
	for _, c := range checks {
		idCol = max(idCol, len(c.ID))
	}
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "%-*s  %s\n", idCol, c.ID, c.Title)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// reportWrap breaks plain text into lines of at most width cells, at
// spaces; a word longer than a line (a path, a URL) is cut after its last
// '/' that fits, else at the width. Hyphens never break a line: IDs, flags
// and paths stay whole where they fit.
func reportWrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
			continue
		default:
			// A word too long for any line fills this one up to a '/'.
			if room := width - ansi.StringWidth(line) - 1; ansi.StringWidth(word) > width && room > 0 {
				if i := reportSlash(word, room); i > 0 {
					line += " " + word[:i]
					word = word[i:]
				}
			}
			lines = append(lines, line)
			line = word
		}
		for ansi.StringWidth(line) > width {
			cut := reportCut(line, width)
			lines = append(lines, line[:cut])
			line = line[cut:]
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// reportCut is where to cut an over-long word: after the last '/' within
// width, else after its last whole character within width cells (a
// server's excerpt may be any text; a character is never split).
func reportCut(word string, width int) int {
	if i := reportSlash(word, width); i > 0 {
		return i
	}
	if i := len(ansi.Truncate(word, width, "")); i > 0 {
		return i
	}
	_, n := utf8.DecodeRuneInString(word) // one character wider than a line
	return n
}

// reportSlash is the end of the longest prefix of word within limit bytes
// that ends in '/' (not the "//" of a URL scheme), or 0.
func reportSlash(word string, limit int) int {
	for i := min(limit, len(word)) - 1; i > 0; i-- {
		if word[i] == '/' && word[i-1] != '/' && (i+1 >= len(word) || word[i+1] != '/') {
			return i + 1
		}
	}
	return 0
}
