package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"github.com/kumoup/kumoup/model"
)

// checked wraps a model validator: the inline message is the same as the
// answers file's ("field: message").
func checked(field string, validate func(string) error) func(string) error {
	return func(s string) error {
		if err := validate(s); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		return nil
	}
}

func ignoreWarning(f func(string) (error, error)) func(string) error {
	return func(s string) error {
		_, err := f(s)
		return err
	}
}

func optionalPath(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return model.ValidateAbsPath(strings.TrimSpace(s))
}

func validatePortText(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a number: use a port from 1 to 65535 (KumoProxy's default is %d)", s, model.DefaultProxyPort)
	}
	return model.ValidatePort(n)
}

// tokenOptions are a token's choices. On a deployment that has the token
// (has), a new one is a rotation, not a replacement: after says what
// becomes of the current one (see tokenRotation).
func (w *wizard) tokenOptions(has bool, current, after string) []huh.Option[tokenChoice] {
	gen := huh.NewOption("Generate a new token (256 bits)", tokenGenerate)
	paste := huh.NewOption("Paste a token (input is masked)", tokenPaste)
	if has {
		keep := huh.NewOption("Keep the current token ("+model.Fingerprint(current)+")", tokenKeep)
		gen = huh.NewOption("Rotate: generate a new token ("+after+")", tokenGenerate)
		paste = huh.NewOption("Rotate: paste a new token (masked; "+after+")", tokenPaste)
		return []huh.Option[tokenChoice]{keep, gen, paste}
	}
	return []huh.Option[tokenChoice]{gen, paste}
}

// refreshPlaceholders shows the certificate paths derived from the name
// typed so far, in the fields' descriptions: a description wraps where a
// placeholder would be cut at 80 columns, and an empty field's placeholder
// says it is empty in words, which read as such without color.
func (w *wizard) refreshPlaceholders() { w.fitTexts() }

// pathDescription names the path an empty certificate field stands for;
// once a path is typed, only where an empty one leads.
func (w *wizard) pathDescription(value string, derive func(string) string) string {
	if strings.TrimSpace(value) != "" {
		return "empty: Let's Encrypt's path for the name"
	}
	return "empty: " + derive(w.placeholderDomain())
}

// placeholderDomain is the name typed so far, or <name> while it is not one.
func (w *wizard) placeholderDomain() string {
	if model.ValidateDomain(w.d.Domain) != nil {
		return "<name>"
	}
	return w.d.Domain
}

// example is the placeholder of a field that shows an example value: said
// to be one, so that without color it does not read as a value.
func example(s string) string { return "e.g. " + s }

func (w *wizard) fields(p page) []huh.Field {
	switch p {
	case pageHost:
		// The placeholders follow the name as it is typed (see
		// refreshPlaceholders): huh's PlaceholderFunc would read the draft
		// from a command's goroutine while Update writes it.
		w.certIn = labelFunc(w, huh.NewInput().Key("tls_certificate"), "TLS certificate",
			func() string { return w.pathDescription(w.certPath, w.derivedCert) }).
			Placeholder("(empty: the path above)").
			Value(&w.certPath).Validate(checked("tls_certificate", optionalPath))
		w.keyIn = labelFunc(w, huh.NewInput().Key("tls_certificate_key"), "TLS private key",
			func() string { return w.pathDescription(w.keyPath, w.derivedKey) }).
			Placeholder("(empty: the path above)").
			Value(&w.keyPath).Validate(checked("tls_certificate_key", optionalPath))
		return []huh.Field{
			label(w, huh.NewInput().Key("domain"), "Public name of the MTA host",
				"the HTTPS name your app connects to, e.g. mta.example.com").
				Value(&w.d.Domain).Validate(checked("domain", model.ValidateDomain)),
			w.certIn,
			w.keyIn,
			label(w, huh.NewInput().Key("max_body"), "Largest injection body",
				"nginx size syntax; kumod's request_body_limit is set equal").
				Value(&w.d.MaxBody).Validate(checked("max_body", func(s string) error { _, err := model.ParseSize(s); return err })),
			// Last: where the demo's long certificate paths wrap at 80
			// columns, the page scrolls to it rather than hide the body limit.
			label(w, huh.NewInput().Key("acme_email"), "Let's Encrypt e-mail (optional)",
				"where it warns before the certificate expires; empty: none").
				Placeholder(example("ops@example.com")).
				Value(&w.d.ACMEEmail).Validate(checked("acme_email", model.ValidateACMEEmail)),
		}
	case pageInjection:
		return []huh.Field{
			label(w, huh.NewSelect[tokenChoice]().Key("injection_choice"), "Injection token",
				"the bearer token your app sends to this host (inject and metrics)").
				Options(w.tokenOptions(w.hasInjection, w.d.InjectionToken, "the old one accepted for "+w.graceShown())...).
				Validate(w.validateInjectionChoice).Value(&w.injectionChoice),
		}
	case pageInjectionPaste:
		return []huh.Field{
			label(w, huh.NewInput().Key("injection_token"), "Paste the injection token",
				fmt.Sprintf("at least %d characters of A-Z a-z 0-9 - . _ ~ + /; never shown", model.MinTokenLength)).
				EchoMode(huh.EchoModePassword).Value(&w.injectionPaste).
				Validate(checked("injection_token", w.validateInjectionPaste)),
		}
	case pageInjectionGrace:
		return []huh.Field{
			label(w, huh.NewInput().Key("token_grace"), "Old token accepted for",
				"token_grace: how long nginx still accepts the current token beside the new one; days like 7d or hours like 36h, at most 90d").
				Value(&w.grace).Validate(checked("token_grace", validateGrace)),
		}
	case pageWebhook:
		return []huh.Field{
			label(w, huh.NewInput().Key("webhook_url"), "App webhook URL",
				"the app's https endpoint for delivery events").
				Placeholder(example("https://app.example.com/webhooks/kumomta")).
				Value(&w.d.WebhookURL).Validate(checked("webhook_url", model.ValidateWebhookURL)),
			label(w, huh.NewSelect[tokenChoice]().Key("webhook_choice"), "Webhook token",
				"the bearer secret kumod sends with each event").
				Options(w.tokenOptions(w.hasWebhook, w.d.WebhookToken, "the app gets it before kumod")...).Value(&w.webhookChoice),
		}
	case pageWebhookPaste:
		return []huh.Field{
			label(w, huh.NewInput().Key("webhook_token"), "Paste the webhook token",
				fmt.Sprintf("at least %d characters; must differ from the injection token; never shown", model.MinTokenLength)).
				EchoMode(huh.EchoModePassword).Value(&w.webhookPaste).
				Validate(checked("webhook_token", w.validateWebhookPaste)),
		}
	case pageProxy:
		return []huh.Field{
			label(w, huh.NewInput().Key("proxy_host"), "KumoProxy host",
				"the proxy's private IP address (SOCKS5)").
				Value(&w.d.ProxyHost).Validate(checked("proxy_host", ignoreWarning(model.ValidateProxyHost))),
			label(w, huh.NewInput().Key("proxy_port"), "KumoProxy port", "").
				Value(&w.port).Validate(checked("proxy_port", validatePortText)),
			label(w, huh.NewInput().Key("proxy_public_ip"), "Public egress IP",
				"the address recipients see").
				Value(&w.d.ProxyPublicIP).Validate(checked("proxy_public_ip", ignoreWarning(model.ValidatePublicIP))),
			label(w, huh.NewInput().Key("helo"), "HELO name",
				"the EHLO name kumod announces through the proxy").
				Value(&w.d.HELO).Validate(checked("helo", model.ValidateDomain)),
		}
	case pageProxyHost:
		return w.proxyHostFields()
	}
	return nil
}

func (w *wizard) validateWebhookPaste(s string) error {
	if err := model.ValidateToken(s); err != nil {
		return err
	}
	inj, _, _ := w.answers()
	if (inj.InjectionToken != "" && s == inj.InjectionToken) || (inj.RetiredInjectionToken != "" && s == inj.RetiredInjectionToken) {
		return fmt.Errorf("must differ from injection_token: a leaked webhook secret would then also let anyone inject mail; generate a new one")
	}
	if w.hasWebhook && s == w.d.WebhookToken {
		return fmt.Errorf("is the current webhook token: choose Keep on the previous page, or paste a new one")
	}
	return nil
}
