package probes

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
)

// dnsAsker resolves through Target.Resolver, or the system's resolver
// (/etc/hosts, then /etc/resolv.conf), and remembers which server it asked so
// a Result can say who answered.
type dnsAsker struct {
	*net.Resolver
	fixed string

	mu    sync.Mutex
	asked []string
}

// newDNSAsker makes a fresh asker for one check.
func (t *Target) newDNSAsker() *dnsAsker {
	a := &dnsAsker{fixed: t.Resolver}
	if a.fixed != "" {
		if _, _, err := net.SplitHostPort(a.fixed); err != nil {
			a.fixed = net.JoinHostPort(strings.Trim(a.fixed, "[]"), "53")
		}
	}
	a.Resolver = &net.Resolver{PreferGo: true, Dial: a.dial}
	return a
}

func (a *dnsAsker) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if a.fixed != "" {
		address = a.fixed
	}
	a.mu.Lock()
	if !slices.Contains(a.asked, address) {
		a.asked = append(a.asked, address)
	}
	a.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// via says which resolver answered: "via resolver 127.0.0.1:5353" (given
// with --resolver), "via system resolver 10.0.0.2:53", or "via the system
// resolver's /etc/hosts" when no server was asked.
func (a *dnsAsker) via() string {
	if a.fixed != "" {
		return "via resolver " + a.fixed
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.asked) == 0 {
		return "via the system resolver's /etc/hosts"
	}
	return "via system resolver " + strings.Join(a.asked, ", ")
}

// dnsReason describes a lookup failure briefly: "no such name", "no
// answer (timeout)", or the error.
func dnsReason(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return "no such name or no record of that type"
		case de.IsTimeout:
			return "no answer (timeout)"
		case de.IsTemporary:
			return "temporary failure: " + de.Err
		}
		return de.Err
	}
	return err.Error()
}

// dnsNotFound reports whether err says the name or record does not exist (as
// opposed to the resolver failing).
func dnsNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
