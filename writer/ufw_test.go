package writer

import (
	"slices"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestUFWCommandsMirrorTheMTARules(t *testing.T) {
	d := firewallDeployment()
	d.Firewall.AppAddresses = []string{"203.0.113.7"}
	d.Firewall.PrometheusAddresses = []string{"192.0.2.9"}
	d.Firewall.Resolvers = []string{"10.0.0.2"}
	cmds, err := UFWCommands(d, HostMTA)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(cmds, "\n")
	for _, want := range []string{
		"ufw allow 22/tcp", "ufw default deny incoming", "ufw deny 8000/tcp", "ufw allow 80/tcp",
		"ufw allow proto tcp from 203.0.113.7 to any port 443", "ufw allow out proto tcp to 10.0.0.5 port 5000",
		"ufw reject out 25/tcp", "ufw allow out to 10.0.0.2 port 53", "ufw reject out 53",
		"ufw allow proto tcp from 192.0.2.9 to any port 443,9100",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ufw allow 443/tcp") {
		t.Error("443 open to all despite app_addresses")
	}
	if !strings.HasPrefix(cmds[0], "ufw allow 22/tcp") {
		t.Errorf("SSH must be allowed before the default deny: %s", cmds[0])
	}
	allowDNS := slices.IndexFunc(cmds, func(c string) bool { return strings.Contains(c, "port 53") })
	denyDNS := slices.IndexFunc(cmds, func(c string) bool { return strings.HasPrefix(c, "ufw reject out 53") })
	if allowDNS > denyDNS {
		t.Error("ufw matches in order: the resolvers must come before the DNS reject")
	}
}

func TestUFWCommandsMirrorTheProxyRules(t *testing.T) {
	d := firewallDeployment()
	d.Firewall.Outbound = model.OutboundStrict
	d.Firewall.Resolvers = []string{"10.0.0.2"}
	cmds, err := UFWCommands(d, HostProxy)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(cmds, "\n")
	for _, want := range []string{"ufw allow proto tcp from 10.0.0.4 to any port 5000", "ufw deny 8080/tcp", "ufw allow out 25/tcp", "ufw default deny outgoing"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	if _, err := UFWCommands(testDeployment(), HostProxy); err == nil {
		t.Fatal("proxy host without mta_addresses accepted")
	}
}

// Under strict outbound ufw denies everything not allowed, so every
// destination the strict nftables rules accept needs its allow rule.
func TestUFWStrictOutboundAllowsWhatTheStrictNftRulesAllow(t *testing.T) {
	d := firewallDeployment()
	d.Firewall.Outbound = model.OutboundStrict
	d.WebhookURL = "https://app.example.com:8443/events"
	d.Firewall.Resolvers = []string{"10.0.0.2"}
	d.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "10.0.0.9:587"}
	cmds, err := UFWCommands(d, HostMTA)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(cmds, "\n")
	for _, want := range []string{
		"ufw allow out 8443/tcp", // the webhook's own port
		"ufw allow out proto tcp to 10.0.0.9 port 587",
		"ufw allow out 547/udp",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("strict outbound lacks %q, which the nftables rules allow:\n%s", want, text)
		}
	}
	backend := slices.IndexFunc(cmds, func(c string) bool { return strings.Contains(c, "to 10.0.0.9 port 587") })
	reject := slices.IndexFunc(cmds, func(c string) bool { return strings.HasPrefix(c, "ufw reject out 587/tcp") })
	if backend > reject {
		t.Error("ufw matches in order: the back-end on port 587 must be allowed before the SMTP reject")
	}
}

func TestUFWGuardedOutboundAddsNoOutboundAllows(t *testing.T) {
	d := firewallDeployment()
	d.WebhookURL = "https://app.example.com:8443/events"
	d.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525"}
	cmds, err := UFWCommands(d, HostMTA)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(cmds, "\n")
	for _, unwanted := range []string{"8443", "2525", "default deny outgoing"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("guarded outbound (or a loopback back-end) got %q:\n%s", unwanted, text)
		}
	}
}
