package redact

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

const tok = "Tok/with+slash_AbC123-xyz~9.end="

func TestEveryEchoOfASecretIsMasked(t *testing.T) {
	jsonEsc, _ := json.Marshal(tok)
	forms := map[string]string{
		"plain":                 tok,
		"upper case":            strings.ToUpper(tok),
		"without its last char": tok[:len(tok)-1],
		"JSON with \\/":         strings.ReplaceAll(tok, "/", `\/`),
		"JSON by Go":            strings.Trim(string(jsonEsc), `"`),
		"JSON \\u escapes":      strings.NewReplacer("+", `\u002B`, "/", `\u002f`).Replace(tok),
		"URL query":             url.QueryEscape(tok),
		"URL path":              url.PathEscape(tok),
		"URL twice":             url.QueryEscape(url.QueryEscape(tok)),
		"form-decoded":          strings.ReplaceAll(tok, "+", " "),
		"shell":                 strings.NewReplacer("+", `\+`, "~", `\~`, "=", `\=`).Replace(tok),
		"regex":                 regexpQuote(tok),
		"HTML":                  strings.NewReplacer("/", "&#x2F;", "+", "&#43;").Replace(tok),
	}
	r := New(tok)
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			in := `Server: x ` + form + ` y`
			got := r.String(in)
			if !strings.Contains(got, model.Masked) || strings.Contains(got, "slash_AbC") || strings.Contains(strings.ToLower(got), "with") {
				t.Fatalf("String(%q) = %q", in, got)
			}
			if !strings.HasPrefix(got, "Server: x ") || !strings.HasSuffix(got, " y") {
				t.Fatalf("String(%q) = %q; masked more than the secret", in, got)
			}
		})
	}
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func TestShortSecretsAndOtherTextAreLeftAlone(t *testing.T) {
	if got := New("abc", "").String("abc def"); got != "abc def" {
		t.Fatalf("got %q", got)
	}
	if got := New(tok).String("nothing secret here"); got != "nothing secret here" {
		t.Fatalf("got %q", got)
	}
	var zero Redactor
	if got := zero.String(tok); got != tok {
		t.Fatalf("zero Redactor changed the text: %q", got)
	}
}

func TestExcerptRedactsBeforeCutting(t *testing.T) {
	in := strings.Repeat("x", MaxExcerpt-10) + tok + strings.Repeat("y", 1000)
	got := New(tok).Excerpt(in)
	if strings.Contains(got, tok[:8]) || !strings.Contains(got, model.Masked) || !strings.HasSuffix(got, "…") {
		t.Fatalf("Excerpt = %q", got)
	}
	if n := len([]rune(got)); n != MaxExcerpt+1 {
		t.Fatalf("Excerpt kept %d characters, want %d and an ellipsis", n, MaxExcerpt)
	}
}

func TestWriterMasksLineByLine(t *testing.T) {
	var b strings.Builder
	w := New(tok).NewWriter(&b)
	for _, part := range []string{"a " + tok[:5], tok[5:] + " b\nno secret\n", "last " + tok} {
		w.Write([]byte(part))
	}
	w.Close()
	if strings.Contains(b.String(), "slash") || strings.Count(b.String(), model.Masked) != 2 || !strings.HasSuffix(b.String(), "last "+model.Masked) {
		t.Fatalf("wrote %q", b.String())
	}
}

func TestErrorDoesNotWrapTheOriginal(t *testing.T) {
	orig := errors.New("server said " + tok)
	err := New(tok).Error(orig)
	if errors.Unwrap(err) != nil || errors.Is(err, orig) || strings.Contains(err.Error(), "slash") {
		t.Fatalf("Error = %v; want the text redacted and nothing wrapped", err)
	}
	if New(tok).Error(nil) != nil {
		t.Fatal("Error(nil) is not nil")
	}
}
