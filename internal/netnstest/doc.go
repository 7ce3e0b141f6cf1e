// Package netnstest builds throwaway network namespaces for tests: a
// namespace per simulated host, joined to a bridge by veth pairs, with
// addresses from a test range that exists only inside them. Nothing on the
// host's own network stack is touched, and every namespace and link is
// removed when the test ends, failed or not.
//
// Sockets are opened inside a namespace by the test process itself
// ([NS.Listen], [NS.Dial], [NS.Do]): a goroutine locks its OS thread,
// enters the namespace and creates the socket, which stays in that
// namespace for its whole life; the thread then returns to its own
// namespace before the runtime may reuse it. Programs (nft, nginx) run inside with [NS.Command], which is
// `ip netns exec`.
//
// It needs root and the ip program (iproute2); [Require] fails the test
// with the apt-get command when they are missing.
package netnstest
