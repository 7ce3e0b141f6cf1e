package writer

import "github.com/kumoup/kumoup/internal/shellwords"

// The commands kumoup prints for the operator to run next (in remedies,
// plans and next steps) name the layout they were judged on: under --root
// the tree's flag follows the verb, shell-quoted, so a command pasted as
// printed works on that tree and not on the host.

// ApplyCommand is the command that rewrites a layout's files from its
// answers file: under --root, the tree's answers into the tree.
func ApplyCommand(l Layout) string {
	return Command(l, "apply", "--answers", shellwords.Quote(l.AnswersFile()))
}

// Command is `kumoup VERB ARGS...` for layout l. Apply has its own,
// ApplyCommand (the answers file too).
func Command(l Layout, verb string, args ...string) string {
	s := "kumoup " + verb
	if !l.IsHost() {
		s += " --root " + shellwords.Quote(l.Root)
	}
	for _, a := range args {
		s += " " + a
	}
	return s
}

// CertCommand is the one command that obtains the certificate and turns
// HTTPS on (as root on the host).
func CertCommand(l Layout) string {
	if l.IsHost() {
		return "sudo kumoup cert"
	}
	return Command(l, "cert")
}

// FirewallApplyCommand loads host's firewall rules (mta or proxy). Rules
// are loaded into the running kernel only on the host itself: under
// --root the tree's rules are rendered, and loading them is left to the
// host (kumoup firewall refuses --root with --apply).
func FirewallApplyCommand(l Layout, host string) string {
	if l.IsHost() {
		return Command(l, "firewall", "--host", host, "--apply")
	}
	return Command(l, "firewall", "--host", host) + ", then on the host itself kumoup firewall --host " + host + " --apply"
}
