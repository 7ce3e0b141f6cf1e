package probes

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// requireKumoup matches `require 'kumoup'`, `require "kumoup"`,
// `require("kumoup")` and `require [[kumoup]]`.
var requireKumoup = regexp.MustCompile(`\brequire\s*\(?\s*(?:'kumoup'|"kumoup"|\[\[kumoup\]\])\s*\)?`)

// checkPolicyWired: kumoup never edits the user's init.lua, so the module
// only takes effect when init.lua requires it and calls what it provides.
func checkPolicyWired(ctx context.Context, t *Target) Result {
	path := t.Layout.PolicyInit()
	snippet, err := writer.InitLuaLines(t.Layout)
	if err != nil {
		return Fail("report this as a kumoup bug", "render the init.lua lines: %v", err)
	}
	lines := luaCodeLines(snippet)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Fail("install KumoMTA (its package creates "+path+"), then add:\n"+strings.Join(lines, "\n"),
			"%s does not exist", path)
	}
	if err != nil {
		return Skip("cannot read %s: %v (run kumoup status as root)", path, errors.Unwrap(err))
	}
	code := stripLuaComments(string(b))
	if !requireKumoup.MatchString(maskLuaStrings(code)) {
		return Fail("add to "+path+":\n"+strings.Join(lines, "\n"),
			"%s does not require 'kumoup': the module (listener, egress through KumoProxy, webhook) is not loaded", path)
	}
	have := normalizeLua(code)
	var missing []string
	for _, l := range lines {
		if requireKumoup.MatchString(l) {
			continue
		}
		if !strings.Contains(have, normalizeLua(l)) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		return Warn("add to "+path+" (see the header of "+t.Layout.LuaModule()+"):\n"+strings.Join(missing, "\n"),
			"%s requires 'kumoup' but lacks %d of its lines, e.g. %s", path, len(missing), missing[0])
	}
	return Pass("%s requires 'kumoup' and calls everything it provides", path)
}

// luaCodeLines returns the non-comment, non-blank lines of a Lua snippet.
func luaCodeLines(s string) []string {
	var out []string
	for _, l := range strings.Split(stripLuaComments(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// normalizeLua drops white space and makes quotes uniform, so that
// `kumo.on("x", f)` and `kumo.on('x',f)` compare equal.
func normalizeLua(s string) string {
	s = strings.ReplaceAll(s, `"`, `'`)
	return strings.Join(strings.Fields(s), "")
}

// stripLuaComments removes `--` line comments and `--[[ ]]` / `--[==[ ]==]`
// block comments, leaving string literals (which may contain "--") intact.
// Newlines inside block comments are kept so line structure survives.
func stripLuaComments(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			b.WriteString(src[i:j])
			i = j
		case strings.HasPrefix(src[i:], "--"):
			if level, ok := longBracket(src[i+2:]); ok {
				closer := "]" + strings.Repeat("=", level) + "]"
				body := src[i+2:]
				end := strings.Index(body, closer)
				if end < 0 {
					end = len(body)
				} else {
					end += len(closer)
				}
				b.WriteString(strings.Repeat("\n", strings.Count(body[:end], "\n")))
				i += 2 + end
				continue
			}
			for i < len(src) && src[i] != '\n' {
				i++
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// maskLuaStrings empties every quoted string literal except 'kumoup' and
// "kumoup", so a require spelled inside a string does not count as code.
func maskLuaStrings(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); {
		c := code[i]
		if c != '\'' && c != '"' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(code) && code[j] != c && code[j] != '\n' {
			if code[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j+1, len(code))
		if lit := code[i:j]; lit == "'kumoup'" || lit == `"kumoup"` {
			b.WriteString(lit)
		} else {
			b.WriteString(string(c) + string(c))
		}
		i = j
	}
	return b.String()
}

// longBracket reports whether s starts with a Lua long bracket "[[" or
// "[==[" and its level (the number of '=').
func longBracket(s string) (int, bool) {
	if !strings.HasPrefix(s, "[") {
		return 0, false
	}
	n := strings.IndexFunc(s[1:], func(r rune) bool { return r != '=' })
	if n < 0 || s[1+n] != '[' {
		return 0, false
	}
	return n, true
}
