package redact

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kumoup/kumoup/model"
)

// MinSecret is the shortest secret masked.
const MinSecret = 8

// MaxExcerpt is how many characters Excerpt keeps.
const MaxExcerpt = 200

// Redactor masks a fixed set of secrets. The zero value and a Redactor of
// no secret (or only short ones) return text unchanged. It is safe for
// concurrent use.
type Redactor struct {
	re *regexp.Regexp
}

// New returns a Redactor of secrets (empty and short ones are ignored).
func New(secrets ...string) *Redactor {
	var pats []string
	s := slices.Clone(secrets)
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, sec := range slices.Compact(s) {
		if utf8.RuneCountInString(sec) >= MinSecret {
			pats = append(pats, pattern(sec))
		}
	}
	if len(pats) == 0 {
		return &Redactor{}
	}
	return &Redactor{re: regexp.MustCompile("(?i)" + strings.Join(pats, "|"))}
}

// pattern matches secret with each character in any escaped form, the last
// character optional.
func pattern(secret string) string {
	var groups []string
	for _, r := range secret {
		groups = append(groups, charPattern(r))
	}
	last := len(groups) - 1
	return "(?:" + strings.Join(groups[:last], "") + groups[last] + "?)"
}

// charPattern matches r as is or escaped by JSON, URL (once or twice),
// a shell or a regex (backslashes), or HTML.
func charPattern(r rune) string {
	lit := regexp.QuoteMeta(string(r))
	if r >= utf8.RuneSelf {
		return "(?:" + lit + ")"
	}
	hex := fmt.Sprintf("%02x", r)
	alts := []string{
		lit,
		`\\+` + lit,
		`\\+u00` + hex,
		`\\+x` + hex,
		`%(?:25)*` + hex,
		`&#x0*` + hex + `;`,
		fmt.Sprintf(`&#0*%d;`, r),
	}
	if r == '+' {
		alts = append(alts, " ") // a '+' decoded from a query string
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// String returns s with every form of every secret replaced by
// model.Masked.
func (r *Redactor) String(s string) string {
	if r == nil || r.re == nil {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, model.Masked)
}

// Excerpt is String cut to MaxExcerpt characters (an ellipsis marks the
// cut). It redacts before cutting, so no part of a secret survives the cut.
func (r *Redactor) Excerpt(s string) string {
	return Cut(r.String(s), MaxExcerpt)
}

// Error returns err with its text redacted and cut like Excerpt (nil for
// nil). The result does not wrap err: nothing can reach the original text
// through it.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return redactedError(r.Excerpt(err.Error()))
}

type redactedError string

func (e redactedError) Error() string { return string(e) }

// Cut returns s cut to n characters, an ellipsis marking a cut.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return s[:i] + "…"
}

// String masks secrets in s (see Redactor.String) with the Shared
// Redactor of secrets.
func String(s string, secrets ...string) string { return Shared(secrets...).String(s) }

// Excerpt masks secrets in s and cuts it (see Redactor.Excerpt) with the
// Shared Redactor of secrets.
func Excerpt(s string, secrets ...string) string { return Shared(secrets...).Excerpt(s) }

// Writer redacts what is written through it line by line: a secret never
// spans a line of kumoup's output. Close writes out a last line without a
// newline.
type Writer struct {
	w   io.Writer
	r   *Redactor
	buf []byte
}

// NewWriter returns a Writer to w masking r's secrets.
func (r *Redactor) NewWriter(w io.Writer) *Writer { return &Writer{w: w, r: r} }

// Write buffers p and writes every complete line, redacted.
func (w *Writer) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	i := bytes.LastIndexByte(w.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	if _, err := io.WriteString(w.w, w.r.String(string(w.buf[:i+1]))); err != nil {
		return 0, err
	}
	w.buf = append(w.buf[:0], w.buf[i+1:]...)
	return len(p), nil
}

// Close writes out what is left, redacted.
func (w *Writer) Close() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(w.w, w.r.String(string(w.buf)))
	w.buf = w.buf[:0]
	return err
}
