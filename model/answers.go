package model

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Answers is the content of an answers file (kumoup apply --answers) and of
// /etc/kumoup/kumoup.yaml: the Deployment's fields by their YAML names, plus
// where to read the two secrets from. Secrets themselves are never written
// inline: they would end up in version control and world-readable files.
type Answers struct {
	Deployment `yaml:",inline"`
	// InjectionTokenFile is a path whose content is the injection token.
	InjectionTokenFile string `yaml:"injection_token_file,omitempty"`
	// WebhookTokenFile is a path whose content is the webhook token.
	WebhookTokenFile string `yaml:"webhook_token_file,omitempty"`
}

var inlineSecrets = map[string]string{
	"injection_token": "injection_token_file",
	"webhook_token":   "webhook_token_file",
}

// ParseAnswers reads an answers file strictly: an unknown key is an error
// naming the key, and an inline token is refused with the way to supply it.
// The YAML is parsed once; its first document's tree is both looked at (the
// keys, for inline tokens and numbers the decoder lets through) and decoded
// into the Answers.
func ParseAnswers(data []byte) (Answers, error) {
	var a Answers
	if len(bytes.TrimSpace(data)) == 0 {
		return a, errors.New("answers file is empty: at least domain, webhook_url, proxy_host, proxy_public_ip and helo are needed")
	}
	body, keys, err := answersDocument(data)
	if err != nil {
		// Without the source lines goccy quotes: a token pasted into the
		// file by mistake must not end up on the terminal or in a CI log.
		return a, fmt.Errorf("answers file is not valid YAML: %s", yaml.FormatError(err, false, false))
	}
	for k := range keys {
		if alt, ok := inlineSecrets[k]; ok {
			return a, fmt.Errorf("%s: secrets are not accepted inline in the answers file; put the token in a root-only file and set %s, or export KUMOUP_%s", k, alt, strings.ToUpper(k))
		}
	}
	if body == nil {
		return a, nil // comments only
	}
	if err := yaml.NodeToValue(body, &a, yaml.DisallowUnknownField()); err != nil {
		return a, fmt.Errorf("answers file: %s", describeYAMLError(data, err))
	}
	if err := checkNumbers(keys, reflect.TypeOf(a), nil); err != nil {
		return Answers{}, fmt.Errorf("answers file: %w", err)
	}
	return a, nil
}

// answersDocument parses data and returns the body of the document
// yaml.Unmarshal decodes (the first whose value is not nil, or is an
// explicit null) and its top-level keys; a nil body when there is none.
// Like yaml.Unmarshal it resolves every document's anchors and aliases in
// turn, through one decoder, so a broken later document is an error too,
// and the error of a document that is no mapping is the decoder's own.
func answersDocument(data []byte) (ast.Node, map[string]any, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(nil))
	var (
		body    ast.Node
		keys    map[string]any
		keysErr error
	)
	for _, doc := range f.Docs {
		switch {
		case doc.Body == nil:
			continue
		case body != nil:
			// A later document: resolved, its value unused.
			var v any
			if err := dec.DecodeFromNode(doc.Body, &v); err != nil {
				return nil, nil, err
			}
			continue
		}
		var m map[string]any
		err := dec.DecodeFromNode(doc.Body, &m)
		if err == nil && m != nil {
			body, keys = doc.Body, m
			continue
		}
		// Not a mapping, or an empty one: skipped if its value is nil but
		// no explicit null, as yaml.Unmarshal does; else its error stands.
		var v any
		if verr := dec.DecodeFromNode(doc.Body, &v); verr != nil {
			return nil, nil, verr
		}
		if v != nil || doc.Body.Type() == ast.NullType {
			body, keys, keysErr = doc.Body, m, err
		}
	}
	return body, keys, keysErr
}

// MarshalAnswers renders the non-secret answers of d as YAML, the content
// of /etc/kumoup/kumoup.yaml.
func MarshalAnswers(d Deployment) ([]byte, error) {
	out, err := yaml.MarshalWithOptions(d, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("marshal answers: %w", err)
	}
	return out, nil
}
