package probes

import "github.com/kumoup/kumoup/writer"

// newWebhookTokenCommand generates a new webhook token without it ever
// being typed (history) or passed as an argument (ps), and applies it.
func newWebhookTokenCommand(l writer.Layout) string {
	return "KUMOUP_WEBHOOK_TOKEN=\"$(openssl rand -base64 32 | tr -d =)\" " + writer.ApplyCommand(l) + " && systemctl restart kumomta"
}
