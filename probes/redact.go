package probes

import (
	"strings"

	"github.com/kumoup/kumoup/model"
)

// Redact replaces every secret in the results' details and remedies with
// model.Masked, as a last guard before anything is printed (Run applies it
// with the target's tokens). Each secret is
// matched without regard to case and also with its last character cut, so
// the wrong-token variants edge.token.exact sends are masked too. Secrets
// shorter than 8 characters are ignored (they would mask ordinary words).
func Redact(results []Result, secrets ...string) []Result {
	out := make([]Result, len(results))
	for i, r := range results {
		for _, s := range secrets {
			r.Detail = redactFold(r.Detail, s)
			r.Remedy = redactFold(r.Remedy, s)
		}
		out[i] = r
	}
	return out
}

// redactFold masks every case-insensitive occurrence of secret (or of secret
// without its last character) in text.
func redactFold(text, secret string) string {
	if len(secret) < 8 {
		return text
	}
	needle := redactLower(secret[:len(secret)-1])
	var b strings.Builder
	for {
		i := strings.Index(redactLower(text), needle)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(needle)
		// Swallow the last character too when it is there.
		if end < len(text) && strings.EqualFold(text[end:end+1], secret[len(secret)-1:]) {
			end++
		}
		b.WriteString(text[:i])
		b.WriteString(model.Masked)
		text = text[end:]
	}
}

// redactLower lowers A-Z only, so byte offsets stay those of s (tokens are
// ASCII; strings.ToLower may change the length of other text).
func redactLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
