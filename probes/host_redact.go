package probes

// redact replaces every token the target knows with model.Masked, in any
// form internal/redact knows, for text that came from outside (a program's
// output, a file) before it goes into a Result.
func (t *Target) redact(s string) string {
	var secrets []string
	for _, tok := range t.tokens() {
		secrets = append(secrets, tok.value)
	}
	return redactorFor(secrets...).String(s)
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
