package writer

import (
	"fmt"
	"io"
	"strings"

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

// WriteAppConnection writes what the operator keeps once the files are in
// place: the app's connection values (the secrets masked, with their
// fingerprint and where they are), the next steps and the init.lua lines
// for the shape of the host's init.lua. kumoup apply prints it, and the
// setup wizard when it ends.
func WriteAppConnection(w io.Writer, d model.Deployment, l Layout, shape PolicyShape) error {
	var b strings.Builder
	b.WriteString("App connection (KumoMTA screen)\n")
	for _, s := range AppConnection(d, l) {
		fmt.Fprintf(&b, "  %-17s %s\n", s.Label, s.Value)
	}
	b.WriteString("\nNext steps\n")
	for i, s := range NextSteps(l) {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
	}
	if lines, err := InitLuaLinesFor(l, shape); err == nil {
		fmt.Fprintf(&b, "\nLines for init.lua (%s: %s; check with `kumoup policy validate`)\n", l.PolicyInit(), shape)
		for _, line := range strings.Split(strings.TrimRight(lines, "\n"), "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
