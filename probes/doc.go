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
// The checks of one Run share the work several of them need: one TLS
// handshake for the certificate's name, expiry and chain, one nginx run
// for host.nginx.config and smtp.proxy (-T when smtp_proxy is enabled,
// else -t), one read of the site file. The first check that asks does it,
// the others get its outcome, failures included; the next Run does it all
// again, since the files and servers may have changed in between.
//
// One fault is one failure: a check declares the checks it needs
// (Check.Needs), Run runs it after them, and when one of them failed it
// reports skip with Result.BlockedBy naming the root cause instead of
// failing for the same fault. A check that would send the token and finds
// the certificate does not verify is blocked by the tls check that judges
// why (name, dates or chain); the checks that send no token ask again over
// unverified TLS and still give their own verdict. [RootCauses] and
// [RootCausesFirst] put the root causes first for the report and the
// dashboard.
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
