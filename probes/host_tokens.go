package probes

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// newWebhookTokenCommand generates a new webhook token without it ever
// being typed (history) or passed as an argument (ps).
const newWebhookTokenCommand = "KUMOUP_WEBHOOK_TOKEN=\"$(openssl rand -base64 32 | tr -d =)\" kumoup apply --answers /etc/kumoup/kumoup.yaml && systemctl restart kumomta"

// checkTokensDistinct: one leaked secret must not open both directions.
func checkTokensDistinct(ctx context.Context, t *Target) Result {
	inj, hook := t.Deployment.InjectionToken, t.Deployment.WebhookToken
	switch {
	case inj == "" && hook == "":
		return Skip("neither token is known (token include and environment file not readable?)")
	case inj == "":
		return Skip("the injection token is not known (token include not readable?)")
	case hook == "":
		return Skip("the webhook token is not known (PING8_WEBHOOK_TOKEN missing?)")
	}
	if inj == hook {
		return Fail(newWebhookTokenCommand+", then give the app the new webhook token",
			"the injection token and the webhook token are the same: a leaked webhook secret would let anyone inject mail")
	}
	return Pass("the injection token and the webhook token differ")
}

// historyFiles are the shell histories searched in every home directory.
var historyFiles = []string{".bash_history", ".zsh_history", ".local/share/fish/fish_history"}

// homeDirs returns Target.HomeDirs, or every home directory listed in
// /etc/passwd under the layout's root.
func (t *Target) homeDirs() []string {
	if t.HomeDirs != nil {
		return t.HomeDirs
	}
	b, err := os.ReadFile(t.Layout.Path("/etc/passwd"))
	if err != nil {
		return []string{t.Layout.Path("/root")}
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 7 || !filepath.IsAbs(f[5]) || f[5] == "/" {
			continue
		}
		h := t.Layout.Path(f[5])
		if fi, err := os.Stat(h); err == nil && fi.IsDir() && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// tokenSighting is a token found in a file.
type tokenSighting struct {
	token string // "injection token"
	path  string
	line  int
	mode  string // for answers files
}

func (s tokenSighting) String() string {
	if s.mode != "" {
		return fmt.Sprintf("the %s in %s (mode %s, line %d)", s.token, s.path, s.mode, s.line)
	}
	return fmt.Sprintf("the %s in %s line %d", s.token, s.path, s.line)
}

// findTokens reports every line of path holding one of the tokens.
func findTokens(path string, tokens []namedToken) []tokenSighting {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []tokenSighting
	for _, tok := range tokens {
		if i := bytes.Index(b, []byte(tok.value)); i >= 0 {
			out = append(out, tokenSighting{token: tok.name, path: path, line: 1 + bytes.Count(b[:i], []byte{'\n'})})
		}
	}
	return out
}

// checkTokensHistory: a token typed on a command line sits in clear text in
// the shell's history; one written into a group- or world-readable answers
// file is readable by every local user.
func checkTokensHistory(ctx context.Context, t *Target) Result {
	tokens := t.tokens()
	if len(tokens) == 0 {
		return Skip("neither token is known (token include and environment file not readable?)")
	}
	var found []tokenSighting
	searched := 0
	homes := t.homeDirs()
	for _, home := range homes {
		for _, h := range historyFiles {
			path := filepath.Join(home, h)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			searched++
			found = append(found, findTokens(path, tokens)...)
		}
	}
	answersDir := filepath.Dir(t.Layout.AnswersFile())
	var answers []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(answersDir, pat))
		answers = append(answers, m...)
	}
	readable := 0
	for _, path := range answers {
		f, err := statFile(path)
		if err != nil || f.mode.Perm()&0o044 == 0 {
			continue
		}
		readable++
		for _, s := range findTokens(path, tokens) {
			s.mode = f.perm()
			found = append(found, s)
		}
	}
	if len(found) > 0 {
		var where []string
		for _, s := range found {
			where = append(where, s.String())
		}
		first := found[0]
		fix := fmt.Sprintf("delete the line (sed -i '%dd' %s)", first.line, first.path)
		if first.mode != "" {
			fix = fmt.Sprintf("remove the token from %s (use injection_token_file / KUMOUP_INJECTION_TOKEN) or chmod 600 %s", first.path, first.path)
		}
		if len(found) > 1 {
			fix += " and likewise for the others"
		}
		return Fail(fix+"; then rotate the exposed token: it has been readable in clear text",
			"found %s", strings.Join(where, "; "))
	}
	return Pass("no token in %d shell history files of %d home directories, nor in %d readable answers files in %s",
		searched, len(homes), readable, answersDir)
}
