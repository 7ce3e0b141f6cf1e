package probes

import (
	"net/url"
	"strings"
	"testing"
)

// Issue 17 #9: a token echoed JSON-escaped ("\/") slipped through Redact.
func TestRedactMasksEscapedEchoesOfTheToken(t *testing.T) {
	const tok = "Tok/with+slash0123456789abcdefXYZ"
	for name, echo := range map[string]string{
		"JSON \\/":  `{"error":"bad token Tok\/with+slash0123456789abcdefXYZ"}`,
		"JSON \\u":  `{"t":"Tok\u002fwith\u002bslash0123456789abcdefXYZ"}`,
		"URL":       "Location: https://x/?t=" + url.QueryEscape(tok),
		"shell":     `curl -H Authorization:\ Bearer\ Tok\/with\+slash0123456789abcdefXYZ`,
		"uppercase": strings.ToUpper(tok),
	} {
		got := Redact([]Result{{Detail: echo, Remedy: echo}}, tok)[0]
		for _, s := range []string{got.Detail, got.Remedy} {
			if strings.Contains(strings.ToLower(s), "slash0123") || strings.Contains(strings.ToLower(s), "with") {
				t.Errorf("%s: %q", name, s)
			}
		}
	}
}
