package model

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
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
func ParseAnswers(data []byte) (Answers, error) {
	var a Answers
	if len(bytes.TrimSpace(data)) == 0 {
		return a, errors.New("answers file is empty: at least domain, webhook_url, proxy_host, proxy_public_ip and helo are needed")
	}
	var keys map[string]any
	if err := yaml.Unmarshal(data, &keys); err != nil {
		// Without the source lines goccy quotes: a token pasted into the
		// file by mistake must not end up on the terminal or in a CI log.
		return a, fmt.Errorf("answers file is not valid YAML: %s", yaml.FormatError(err, false, false))
	}
	for k := range keys {
		if alt, ok := inlineSecrets[k]; ok {
			return a, fmt.Errorf("%s: secrets are not accepted inline in the answers file; put the token in a root-only file and set %s, or export KUMOUP_%s", k, alt, strings.ToUpper(k))
		}
	}
	if err := yaml.UnmarshalWithOptions(data, &a, yaml.DisallowUnknownField()); err != nil {
		return a, fmt.Errorf("answers file: %s", describeYAMLError(data, err))
	}
	if err := checkNumbers(keys, reflect.TypeOf(a), nil); err != nil {
		return Answers{}, fmt.Errorf("answers file: %w", err)
	}
	return a, nil
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
