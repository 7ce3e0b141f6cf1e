// Package probes asks a KumoMTA host the questions the deployment guides
// ask by hand (curl, ss, dig, stat) and answers each with a [Result]: pass,
// warn, fail or skip, a one-line detail of what was asked and what came
// back, and for warn and fail a concrete remedy.
//
// A [Check] is a small value: a stable ID, a title and a function from a
// context and a [Target] (what the checks know about the deployment) to a
// Result. [Catalogue] lists every check in a fixed order, assembled from
// one file per family (edge, tls, host, network, dns). [Run] runs checks
// concurrently, each under its own timeout within one overall deadline,
// and returns results in catalogue order.
//
// The injection token is only ever sent over verified HTTPS to the
// configured name; no redirect is followed, and no Result contains it
// ([Redact] masks it once more before anything is printed).
//
// [WriteText] prints results as the table `kumoup status` shows (80
// columns, status glyphs coloured when the terminal supports it, remedies
// under warnings and failures, a summary line); [WriteJSON] prints them for
// scripts.
package probes
