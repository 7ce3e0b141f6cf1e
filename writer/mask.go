package writer

import (
	"bytes"
	"regexp"
	"sort"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/kumoup/kumoup/model"
)

// tokenLine matches a token include entry: "~^Bearer \Q<token>\E$" 1;
var tokenLine = regexp.MustCompile(`\\Q([^\\"]*)\\E`)

// secretsIn returns the secrets found in content by its shape: the value of
// every secret variable of the environment file, and every token quoted in
// a token include. It finds the secrets of an old version of a file, which
// the File being planned does not know.
func secretsIn(content []byte) []string {
	var out []string
	if vars, err := model.ParseEnv(content); err == nil {
		for _, v := range (model.Deployment{}).Env() {
			if s := vars[v.Name]; v.Secret && s != "" {
				out = append(out, s)
			}
		}
	}
	for _, m := range tokenLine.FindAllSubmatch(content, -1) {
		if len(m[1]) > 0 {
			out = append(out, string(m[1]))
		}
	}
	return out
}

// maskSecrets replaces every secret in content with model.Masked followed
// by the secret's fingerprint ("••••••••[sha256:1a2b3c4d]"), so a diff shows
// that a token changed without showing either. Longest secret first, so
// that one containing another is masked whole.
func maskSecrets(content []byte, secrets []string) []byte {
	s := append([]string(nil), secrets...)
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	for _, sec := range s {
		if sec == "" {
			continue
		}
		content = bytes.ReplaceAll(content, []byte(sec), []byte(model.Masked+"["+model.Fingerprint(sec)+"]"))
	}
	return content
}

// maskedDiff is the unified diff from old to new with every secret masked:
// the given ones, and those found by shape in either text.
func maskedDiff(oldLabel, newLabel string, old, new []byte, secrets []string) string {
	all := append(append(append([]string(nil), secrets...), secretsIn(old)...), secretsIn(new)...)
	return udiff.Unified(oldLabel, newLabel, string(maskSecrets(old, all)), string(maskSecrets(new, all)))
}
