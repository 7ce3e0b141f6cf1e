package writer

import (
	"bytes"
	"regexp"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/kumoup/kumoup/model"
)

// tokenLine matches a token include entry: "~^Bearer \Q<token>\E$" 1;
var tokenLine = regexp.MustCompile(`\\Q([^\\"]*)\\E`)

// bearerToken is a credential right after "Bearer ": the token of a plain
// map key or header value, as the deployment guide writes them.
var bearerToken = regexp.MustCompile(`Bearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)`)

// notAToken is a name, not a value: an environment variable's
// (PING8_WEBHOOK_TOKEN) or a dotted name in code (env.PING8_WEBHOOK_TOKEN).
var notAToken = regexp.MustCompile(`^(?:[A-Z][A-Z0-9_]*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)$`)

// secretsIn returns the secrets found in content by their shape, line by
// line, tolerating hand edits: the value of every secret variable of an
// environment file however it is spelled or quoted (model.SecretEnvValues:
// "export", a byte-order mark, another case, even in a file that no longer
// parses), the token of a token include entry, and a long token-like run
// right after "Bearer " (the deployment guide's plain map key) that is not
// a name (an environment variable's, or code's such as
// env.PING8_WEBHOOK_TOKEN: a file that holds no secret is shown as is), in
// comments too (a token commented out by hand is still a secret). It finds
// the secrets of an old version of a file, which the File being planned
// does not know.
func secretsIn(content []byte) []string {
	out := model.SecretEnvValues(content)
	for _, line := range strings.Split(string(content), "\n") {
		// A commented-out line (an old token kept by hand) is still a
		// secret: look past the comment marker.
		l := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "#;"))
		if l == "" {
			continue
		}
		if m := tokenLine.FindStringSubmatch(l); m != nil && m[1] != "" {
			out = append(out, m[1])
			continue
		}
		for _, m := range bearerToken.FindAllStringSubmatch(l, -1) {
			if !notAToken.MatchString(m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// maskSecrets replaces every secret in content with model.Masked followed
// by the secret's fingerprint ("••••••••[sha256:1a2b3c4d]"), so a diff shows
// that a token changed without showing either. Longest secret first, so
// that one containing another is masked whole.
func maskSecrets(content []byte, secrets []string) []byte {
	s := slices.Clone(secrets)
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
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
	all := slices.Concat(secrets, secretsIn(old), secretsIn(new))
	return udiff.Unified(oldLabel, newLabel, string(maskSecrets(old, all)), string(maskSecrets(new, all)))
}
