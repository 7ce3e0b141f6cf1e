package probes

import "github.com/kumoup/kumoup/writer"

// ApplyCommand is the command that rewrites a layout's files from its
// answers file: under --root, the tree's answers into the tree.
func ApplyCommand(l writer.Layout) string {
	if l.IsHost() {
		return "kumoup apply --answers " + l.AnswersFile()
	}
	return "kumoup apply --root " + l.Root + " --answers " + l.AnswersFile()
}

// newWebhookTokenCommand generates a new webhook token without it ever
// being typed (history) or passed as an argument (ps), and applies it.
func newWebhookTokenCommand(l writer.Layout) string {
	return "KUMOUP_WEBHOOK_TOKEN=\"$(openssl rand -base64 32 | tr -d =)\" " + ApplyCommand(l) + " && systemctl restart kumomta"
}
