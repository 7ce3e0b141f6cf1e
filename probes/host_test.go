package probes

import (
	"slices"
	"testing"
)

func TestHostNetworkAndDNSChecksAreInTheCatalogueInOrder(t *testing.T) {
	want := []string{
		"host.listener.loopback", "host.envfile.permissions", "host.envfile.values",
		"host.tokenfile.permissions", "host.tokens.distinct", "host.tokens.rotation", "host.tokens.history",
		"host.systemd.envfile", "host.nginx.config", "host.kumod.body.limit", "host.files.drift", "host.policy.wired",
		"proxy.socks5", "webhook.reachable",
		"dns.domain", "dns.ptr", "dns.fcrdns", "dns.spf", "dns.egress.documentation",
	}
	var got []string
	for _, c := range Catalogue() {
		if slices.Contains(want, c.ID) {
			got = append(got, c.ID)
			if c.Title == "" || c.Run == nil {
				t.Errorf("%s has no title or no function", c.ID)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("catalogue order = %v, want %v", got, want)
	}
}
