package probes

import (
	"strings"

	"github.com/kumoup/kumoup/model"
)

// redact replaces every token the target knows with model.Masked, for
// text that came from outside (a program's output, a file) before it goes
// into a Result.
func (t *Target) redact(s string) string {
	for _, tok := range t.tokens() {
		s = strings.ReplaceAll(s, tok.value, model.Masked)
	}
	return s
}

// tokens returns the known tokens by name ("injection token", "webhook
// token"), skipping empty ones.
func (t *Target) tokens() []namedToken {
	var out []namedToken
	if v := t.Deployment.InjectionToken; v != "" {
		out = append(out, namedToken{"injection token", v})
	}
	if v := t.Deployment.WebhookToken; v != "" {
		out = append(out, namedToken{"webhook token", v})
	}
	if v := t.Deployment.RetiredInjectionToken; v != "" {
		out = append(out, namedToken{"retired injection token", v})
	}
	return out
}

type namedToken struct{ name, value string }
