package probes

import (
	"regexp"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// ApplyCommand is the command that rewrites a layout's files from its
// answers file: under --root, the tree's answers into the tree.
func ApplyCommand(l writer.Layout) string {
	return Command(l, "apply", "--answers", shellQuote(l.AnswersFile()))
}

// newWebhookTokenCommand generates a new webhook token without it ever
// being typed (history) or passed as an argument (ps), and applies it.
func newWebhookTokenCommand(l writer.Layout) string {
	return "KUMOUP_WEBHOOK_TOKEN=\"$(openssl rand -base64 32 | tr -d =)\" " + ApplyCommand(l) + " && systemctl restart kumomta"
}

// Command is `kumoup VERB ARGS...` for layout l: under --root the tree's
// flag follows the verb, so a remedy run as printed works on the tree it
// was judged on. For apply, ApplyCommand adds the answers file.
func Command(l writer.Layout, verb string, args ...string) string {
	s := "kumoup " + verb
	if !l.IsHost() {
		s += " --root " + shellQuote(l.Root)
	}
	for _, a := range args {
		s += " " + a
	}
	return s
}

// FirewallApplyCommand loads host's firewall rules (mta or proxy). Rules
// are loaded into the running kernel only on the host itself: under
// --root the tree's rules are rendered, and loading them is left to the
// host (kumoup firewall refuses --root with --apply).
func FirewallApplyCommand(l writer.Layout, host string) string {
	if l.IsHost() {
		return Command(l, "firewall", "--host", host, "--apply")
	}
	return Command(l, "firewall", "--host", host) + ", then on the host itself kumoup firewall --host " + host + " --apply"
}

// shellSafe matches a word the shell takes as it is.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote is s as one shell word: as it is when nothing in it is
// special, else in single quotes (a tree under "/tmp/my tree" stays one
// argument when the remedy is pasted).
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
