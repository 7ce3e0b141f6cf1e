package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth is the widest a line of help may be: an 80-column terminal.
const helpWidth = 80

// Fang's help layout: flags and commands are indented by fangIndent, their
// descriptions start fangMinSpace cells further, or 2 after the widest key.
const (
	fangIndent   = 4
	fangMinSpace = 10
)

// fitFlagHelp wraps, at spaces, the description of every flag of cmd and
// of the commands under it, so that fang's help (which prints each on one
// line, and lines up the lines of a multi-line one) fits helpWidth.
func fitFlagHelp(cmd *cobra.Command) {
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
	avail := max(helpWidth-fangIndent-space, 20)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		suffix := 0
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			suffix = len(" (" + f.DefValue + ")")
		}
		f.Usage = wrapUsage(f.Usage, avail, suffix)
	})
	for _, c := range cmd.Commands() {
		fitFlagHelp(c)
	}
}

// wrapUsage wraps s at its spaces to w cells, leaving room for suffix
// cells on its last line (fang appends the default value there).
func wrapUsage(s string, w, suffix int) string {
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
