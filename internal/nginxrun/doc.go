// Package nginxrun runs a real nginx for tests and for `kumoup demo`: a
// given binary with a given configuration and prefix (every path nginx
// writes inside it), checked with `nginx -t` first, in the foreground as a
// child of this process, reloaded by HUP the way `systemctl reload nginx`
// does, and stopped gracefully. It never touches an nginx it did not start.
//
// It does not import package testing and nothing of kumoup's, so both
// internal/loopback (whole deployments on loopback) and internal/netnstest
// (nginx inside a network namespace) use it; [Spec.Command] is how the
// latter runs it inside a namespace.
package nginxrun
