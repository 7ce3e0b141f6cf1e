// Package shellwords splits a shell command line into its words for
// display: where a long command may be wrapped without changing what it
// means when pasted. It does not interpret the line (no escapes, no
// expansion); it only never splits inside quotes.
package shellwords

import "strings"

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
