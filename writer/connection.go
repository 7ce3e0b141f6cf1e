package writer

import (
	"fmt"

	"github.com/kumoup/kumoup/model"
)

// Setting is one labelled value to show the operator. Values never hold a
// secret: secrets are masked with their fingerprint.
type Setting struct {
	Label, Value string
}

// AppConnection is what the app's KumoMTA connection screen needs for d,
// with both secrets masked and located on disk under l.
func AppConnection(d model.Deployment, l Layout) []Setting {
	return []Setting{
		{"Base URL", d.BaseURL()},
		{"Injection path", model.InjectionPath},
		{"Metrics URL", d.MetricsURL()},
		{"Auth mode", "Bearer"},
		{"Auth secret", fmt.Sprintf("%s (%s), in %s", model.Mask(d.InjectionToken), model.Fingerprint(d.InjectionToken), l.TokenFile(d.Domain))},
		{"TLS verification", "on"},
		{"Webhook URL", d.WebhookURL},
		{"Webhook secret", fmt.Sprintf("%s (%s), %s in %s", model.Mask(d.WebhookToken), model.Fingerprint(d.WebhookToken), model.EnvWebhookToken, l.EnvFile())},
	}
}

// NextSteps are the commands that make the written files live, in order.
// The init.lua lines come from InitLuaLines.
func NextSteps(l Layout) []string {
	return []string{
		"nginx -t && systemctl reload nginx",
		fmt.Sprintf("add the kumoup lines below to %s (kumoup never edits it)", l.PolicyInit()),
		"systemctl daemon-reload && systemctl restart kumomta",
	}
}
