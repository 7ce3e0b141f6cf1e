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

	"github.com/kumoup/kumoup/internal/fsread"
)

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
		return Fail(newWebhookTokenCommand(t.Layout)+", then give the app the new webhook token",
			"the injection token and the webhook token are the same: a leaked webhook secret would let anyone inject mail")
	}
	return Pass("the injection token and the webhook token differ")
}

// historyFiles are the shell histories searched in every home directory.
var historyFiles = []string{".bash_history", ".zsh_history", ".local/share/fish/fish_history"}

// passwdLimit bounds /etc/passwd.
const passwdLimit = 8 << 20

// homeDirs returns Target.HomeDirs, or every home directory listed in
// /etc/passwd under the layout's root.
func (t *Target) homeDirs(ctx context.Context) []string {
	if t.HomeDirs != nil {
		return t.HomeDirs
	}
	b, err := fsread.Read(ctx, t.Layout.Path("/etc/passwd"), passwdLimit)
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
	// fromEnd: line counts from the end of the file (a history larger
	// than what is read of it).
	fromEnd bool
}

func (s tokenSighting) String() string {
	if s.fromEnd {
		return fmt.Sprintf("the %s in %s, line %d counting from the end", s.token, s.path, s.line)
	}
	if s.mode != "" {
		return fmt.Sprintf("the %s in %s (mode %s, line %d)", s.token, s.path, s.mode, s.line)
	}
	return fmt.Sprintf("the %s in %s line %d", s.token, s.path, s.line)
}

// findTokens reports every line of the file at path holding one of the
// tokens. The file is read through fsread, tied to ctx: a FIFO or a device
// (a history linked to /dev/zero) is skipped, an answers file is read up
// to fsread.ConfigLimit, and a history (tail set) only in its last
// fsread.TailLimit bytes, where line numbers count from the end
// (lineFromEnd) when the file is larger.
func findTokens(ctx context.Context, path string, tokens []namedToken, tail bool) []tokenSighting {
	var b []byte
	var err error
	cut := false
	if tail {
		if fi, serr := os.Stat(path); serr == nil && fi.Size() > fsread.TailLimit {
			cut = true
		}
		b, err = fsread.Tail(ctx, path, fsread.TailLimit)
	} else {
		b, err = fsread.Read(ctx, path, fsread.ConfigLimit)
	}
	if err != nil {
		return nil
	}
	var out []tokenSighting
	for _, tok := range tokens {
		i := bytes.Index(b, []byte(tok.value))
		if i < 0 {
			continue
		}
		s := tokenSighting{token: tok.name, path: path, line: 1 + bytes.Count(b[:i], []byte{'\n'})}
		if cut {
			s.line, s.fromEnd = bytes.Count(b[i:], []byte{'\n'}), true
		}
		out = append(out, s)
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
	homes := t.homeDirs(ctx)
	for _, home := range homes {
		for _, h := range historyFiles {
			path := filepath.Join(home, h)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			searched++
			found = append(found, findTokens(ctx, path, tokens, true)...)
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
		for _, s := range findTokens(ctx, path, tokens, false) {
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
		if first.fromEnd {
			fix = fmt.Sprintf("delete the line (sed -i \"$(( $(wc -l < %s) - %d ))d\" %s)", first.path, first.line-1, first.path)
		}
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
