// Package helpfit fits cobra commands' help to an 80-column terminal as
// fang draws it: flag descriptions wrapped at spaces with room for the
// default value fang appends, and examples wrapped at the spaces outside
// quotes with backslash continuations, so that what is shown still runs as
// one command when pasted. Fang itself would break a flag at its '-' or
// cut an example with an ellipsis.
package helpfit

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kumoup/kumoup/internal/shellwords"
)

// Width is the widest a line of help may be: an 80-column terminal.
const Width = 80

// Fang's help layout: flags and commands are indented by fangIndent, their
// descriptions start fangMinSpace cells further, or 2 after the widest key.
const (
	fangIndent   = 4
	fangMinSpace = 10
)

// FitFlagHelp wraps, at spaces, the description of every flag of cmd and
// of the commands under it, so that fang's help (which prints each on one
// line, and lines up the lines of a multi-line one) fits Width.
func FitFlagHelp(cmd *cobra.Command) {
	space := fangMinSpace
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		key := len("--" + f.Name)
		if f.Shorthand != "" {
			key += len("-" + f.Shorthand + " ")
		}
		space = max(space, key+2)
	})
	for _, c := range cmd.Commands() {
		if !c.Hidden {
			space = max(space, len(c.Use)+2)
		}
	}
	avail := max(Width-fangIndent-space, 20)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		suffix := 0
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			suffix = len(" (" + f.DefValue + ")")
		}
		f.Usage = WrapUsage(f.Usage, avail, suffix)
	})
	for _, c := range cmd.Commands() {
		FitFlagHelp(c)
	}
}

// WrapUsage wraps s at its spaces to w cells, leaving room for suffix
// cells on its last line (fang appends the default value there).
func WrapUsage(s string, w, suffix int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= w:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		if len([]rune(line))+suffix > w && strings.Contains(line, " ") {
			i := strings.LastIndex(line, " ")
			lines = append(lines, line[:i])
			line = line[i+1:]
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// Fang draws examples in a code block: two cells of margin and two of
// padding on each side, each line trimmed, a line after one ending in a
// backslash indented two more. A longer line is cut with an ellipsis.
const (
	// ExampleWidth is the widest example line fang shows whole.
	ExampleWidth = Width - 8
	// ExampleIndent is how much further fang indents a continuation line.
	ExampleIndent = 2
)

// FitExamples wraps every example line of cmd and of the commands under
// it that fang would cut, at the spaces outside quotes, continuing it on
// the next line after a backslash: what is shown still runs as one
// command when pasted. A comment continues as a comment.
func FitExamples(cmd *cobra.Command) {
	if cmd.Example != "" {
		var out []string
		cont := false // the previous line ended with a backslash
		for _, line := range strings.Split(cmd.Example, "\n") {
			w := ExampleWidth
			if cont {
				w -= ExampleIndent
			}
			lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
			out = append(out, wrapExample(strings.TrimSpace(line), w, lead)...)
			cont = strings.HasSuffix(strings.TrimSpace(line), "\\")
		}
		cmd.Example = strings.Join(out, "\n")
	}
	for _, c := range cmd.Commands() {
		FitExamples(c)
	}
}

// wrapExample wraps one example line to w cells (continuations to w less
// the indent fang gives them), each line prefixed with lead.
func wrapExample(line string, w int, lead string) []string {
	if len([]rune(line)) <= w {
		return []string{lead + line}
	}
	comment := strings.HasPrefix(line, "# ")
	words := exampleWords(line)
	suffix, next := " \\", ""
	if comment {
		words, suffix, next = strings.Fields(strings.TrimPrefix(line, "# ")), "", "# "
	}
	var out []string
	cur := ""
	if comment {
		cur = "#"
	}
	limit := w - len(suffix)
	for _, word := range words {
		switch {
		case cur == "":
			cur = word
		case cur == "#" || len([]rune(cur))+1+len([]rune(word)) <= limit:
			cur += " " + word
		default:
			out = append(out, lead+cur+suffix)
			cur = next + word
			if !comment {
				limit = w - ExampleIndent - len(suffix)
			}
		}
	}
	return append(out, lead+cur)
}

// exampleWords splits a shell command at the spaces outside quotes, a
// redirection kept with its file ("> prometheus.yml").
func exampleWords(s string) []string {
	var out []string
	for _, w := range shellwords.Split(s) {
		if n := len(out); n > 0 && (out[n-1] == ">" || out[n-1] == ">>" || out[n-1] == "<") {
			out[n-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}
