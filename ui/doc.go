// Package ui is kumoup's terminal interface: the setup wizard (preflight,
// the answers, review, apply, the app's connection values, next steps) and
// the live dashboard (metrics and checks). The KumoProxy host has its own
// path through the same screens ([StartProxyWizard]: its page and files,
// no connection values), and both hosts' next steps open the firewall
// screen ([StartFirewall]): the rules, what they allow and block, and a
// typed confirmation before nft -f runs.
//
// One top-level [Model] holds the flow and routes messages between screens.
// Each screen is a [Component] in its own file (its name, its state, its
// Update, View, SetSize, Title and help.KeyMap, the messages its commands
// return and the function that opens it): adding a screen adds one file.
// Key bindings live in keys.go, grouped by screen, and every color and
// border in styles.go. Update
// never waits: token generation, planning and applying files, scrapes,
// checks, the clipboard, next-step commands and Options.AfterApply (the
// demo's nginx reload) all run as tea.Cmds that return typed messages.
//
// Typical use, from the command line:
//
//	err := ui.Run(ctx, ui.Options{Start: ui.StartWizard, Layout: layout})
//	if errors.Is(err, ui.ErrAborted) { os.Exit(130) }
package ui
