// Package shellwords splits a shell command line into its words for
// display: where a long command may be wrapped without changing what it
// means when pasted. It does not interpret the line (no escapes, no
// expansion); it only never splits inside quotes. Quote does the reverse for
// one word: what a printed command needs to paste as one argument.
package shellwords

import (
	"regexp"
	"strings"
)

// Split splits s at the spaces outside single or double quotes, keeping
// the quotes in the words. Runs of spaces separate like one.
func Split(s string) []string {
	var (
		words []string
		cur   strings.Builder
		quote rune
	)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// shellSafe matches a word the shell takes as it is.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// Quote is s as one shell word: as it is when nothing in it is special,
// else in single quotes (a tree under "/tmp/my tree" stays one argument
// when a printed command is pasted).
func Quote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
