package probes

import (
	"github.com/kumoup/kumoup/internal/redact"
)

// Redact replaces every secret in the results' details and remedies with
// model.Masked, as a last guard before anything is printed (Run applies it
// with the target's tokens). It is internal/redact's one redaction: each
// secret is matched without regard to case, also with its last character
// cut (the wrong-token variants edge.token.exact sends), and in its JSON-,
// URL-, shell- and HTML-escaped forms. Secrets shorter than 8 characters
// are ignored (they would mask ordinary words). The patterns are built
// once per distinct set of secrets (redact.Shared), not on every sweep.
func Redact(results []Result, secrets ...string) []Result {
	return redactResults(redactorFor(secrets...), results)
}

// redactorFor returns the Redactor of secrets for Redact and Target.redact:
// redact.Shared. BenchmarkRedact swaps in redact.New, the path before it.
var redactorFor = redact.Shared

// redactResults is Redact with r.
func redactResults(r *redact.Redactor, results []Result) []Result {
	out := make([]Result, len(results))
	for i, res := range results {
		res.Detail = r.String(res.Detail)
		res.Remedy = r.String(res.Remedy)
		out[i] = res
	}
	return out
}
