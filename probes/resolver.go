package probes

import (
	"fmt"
	"net/netip"
)

// ValidateResolver checks a --resolver value: "" (the system's resolver)
// or the IP:PORT of a DNS server. Every command that takes --resolver
// refuses a bad one with this message, before it does anything.
func ValidateResolver(s string) error {
	if s == "" {
		return nil
	}
	if _, err := netip.ParseAddrPort(s); err != nil {
		return fmt.Errorf("--resolver %q: want IP:PORT, like 127.0.0.1:53 or [::1]:53", s)
	}
	return nil
}
