package standin

import "testing"

func TestOnlyLoopbackPeersAreTrustedWithoutAuthorization(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5555":       true,
		"127.8.9.10:1":         false,
		"[::1]:80":             true,
		"[::ffff:127.0.0.1]:1": true,
		"192.0.2.1:80":         false,
		"[2001:db8::1]:80":     false,
		"garbage":              false,
	} {
		if got := trustedPeer(addr); got != want {
			t.Errorf("trustedPeer(%q) = %v, want %v", addr, got, want)
		}
	}
}
