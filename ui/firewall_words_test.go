package ui

import (
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// The MTA host's rules in words say who reaches node_exporter's 9100 (and
// 443 under app_addresses): the Prometheus servers listed, or nobody.
func TestFirewallWordsNamePrometheusAddresses(t *testing.T) {
	d := testDeployment()
	words := func() string {
		var b strings.Builder
		for _, w := range firewallWords(d, writer.HostMTA) {
			b.WriteString(w.text + "\n")
		}
		return b.String()
	}
	if got := words(); !strings.Contains(got, "9100 (firewall.prometheus_addresses opens it)") {
		t.Errorf("without prometheus_addresses the words do not say 9100 is closed:\n%s", got)
	}
	d.Firewall.PrometheusAddresses = []string{"192.0.2.10"}
	if got := words(); !strings.Contains(got, "in: 443 and node_exporter's 9100 from 192.0.2.10 (firewall.prometheus_addresses)") {
		t.Errorf("with prometheus_addresses the words do not name the server:\n%s", got)
	}
}
