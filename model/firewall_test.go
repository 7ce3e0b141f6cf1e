package model

import (
	"strings"
	"testing"
)

func TestFirewallDefaultsAreGuardedOutboundAndSSH22(t *testing.T) {
	var f Firewall
	if f.SSHPortOrDefault() != 22 || f.OutboundOrDefault() != OutboundGuarded {
		t.Fatalf("defaults: ssh %d outbound %q", f.SSHPortOrDefault(), f.OutboundOrDefault())
	}
	d := validDeployment()
	if got := d.ProxyListenAddress(); got != "10.0.0.5:5000" {
		t.Fatalf("ProxyListenAddress = %q, want proxy_host:proxy_port", got)
	}
	d.Firewall.ProxyListen = "10.0.0.6:5001"
	if got := d.ProxyListenAddress(); got != "10.0.0.6:5001" {
		t.Fatalf("ProxyListenAddress ignores firewall.proxy_listen: %q", got)
	}
}

func TestValidFirewallAnswersHaveNoProblems(t *testing.T) {
	d := validDeployment()
	d.Firewall = Firewall{
		AppAddresses:      []string{"203.0.113.7", "198.51.100.0/24", "2001:db8::/32"},
		MTAAddresses:      []string{"10.0.0.4"},
		Resolvers:         []string{"10.0.0.2", "2001:db8::53"},
		SSHPort:           2222,
		Outbound:          OutboundStrict,
		ProxyListen:       "10.0.0.5:5000",
		ProxyStatusListen: "127.0.0.1:8080",
	}
	if p := d.Validate(); len(p.Errors)+len(p.Warnings) != 0 {
		t.Fatalf("want no problems, got %+v", p)
	}
}

func TestInvalidFirewallAnswersNameTheFieldAndTheFix(t *testing.T) {
	cases := []struct {
		name  string
		f     Firewall
		field string
		want  string
		warn  bool
	}{
		{"app address not an address", Firewall{AppAddresses: []string{"app.example.com"}}, "firewall.app_addresses[0]", "neither an IP address nor a CIDR prefix", false},
		{"prefix with host bits", Firewall{AppAddresses: []string{"10.0.0.0/8", "192.0.2.7/24"}}, "firewall.app_addresses[1]", "write it as 192.0.2.0/24", false},
		{"injection attempt", Firewall{AppAddresses: []string{"1.2.3.4 } accept;"}}, "firewall.app_addresses[0]", "not allowed", false},
		{"allow-all prefix", Firewall{AppAddresses: []string{"0.0.0.0/0"}}, "firewall.app_addresses[0]", "matches every address", true},
		{"prometheus address not an address", Firewall{PrometheusAddresses: []string{"prom.example.com"}}, "firewall.prometheus_addresses[0]", "neither an IP address nor a CIDR prefix", false},
		{"mta address zone", Firewall{MTAAddresses: []string{"fe80::1%eth0"}}, "firewall.mta_addresses[0]", "zone", false},
		{"resolver name", Firewall{Resolvers: []string{"dns.example.com"}}, "firewall.resolvers[0]", "resolv.conf", false},
		{"ssh port out of range", Firewall{SSHPort: 70000}, "firewall.ssh_port", "1 to 65535", false},
		{"ssh port managed", Firewall{SSHPort: 8000}, "firewall.ssh_port", "ports the rules manage", false},
		{"unknown outbound", Firewall{Outbound: "closed"}, "firewall.outbound", "guarded (the default) or strict", false},
		{"strict without resolvers", Firewall{Outbound: OutboundStrict}, "firewall.resolvers", "required when firewall.outbound is strict", false},
		{"strict with stub resolver only", Firewall{Outbound: OutboundStrict, Resolvers: []string{"127.0.0.53"}}, "firewall.resolvers", "resolvectl", true},
		{"proxy listen not addr", Firewall{ProxyListen: "proxy:5000"}, "firewall.proxy_listen", "not ip:port", false},
		{"proxy listen wildcard", Firewall{ProxyListen: "0.0.0.0:5000"}, "firewall.proxy_listen", "every address", true},
		{"status listen public", Firewall{ProxyStatusListen: "10.0.0.5:8080"}, "firewall.proxy_status_listen", "not loopback", false},
		{"status listen 8000", Firewall{ProxyStatusListen: "127.0.0.1:8000"}, "firewall.proxy_status_listen", "collides with kumod", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDeployment()
			d.Firewall = c.f
			p := d.Validate()
			list := p.Errors
			if c.warn {
				list = p.Warnings
				if len(p.Errors) != 0 {
					t.Fatalf("want only a warning, got errors %v", p.Errors)
				}
			}
			for _, e := range list {
				if e.Field == c.field && strings.Contains(e.Message, c.want) {
					return
				}
			}
			t.Fatalf("no problem for %s containing %q; errors %v warnings %v", c.field, c.want, p.Errors, p.Warnings)
		})
	}
}

func TestParsePrefixesTurnsAddressesIntoHostPrefixes(t *testing.T) {
	got := ParsePrefixes([]string{"203.0.113.7", "2001:db8::/32", "bad", "::ffff:192.0.2.1"})
	want := []string{"203.0.113.7/32", "2001:db8::/32", "192.0.2.1/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestFirewallAnswersRoundTripThroughTheAnswersFile(t *testing.T) {
	in := []byte(`domain: mta.example.com
webhook_url: https://app.example.com/e
proxy_host: 10.0.0.5
proxy_public_ip: 8.8.4.4
helo: mail.example.com
firewall:
  app_addresses: [203.0.113.7]
  mta_addresses: [10.0.0.4]
  resolvers: [10.0.0.2]
  ssh_port: 2222
  outbound: strict
  proxy_status_listen: 127.0.0.1:8080
smtp_proxy:
  enabled: true
  backend: 127.0.0.1:2525
  xclient: false
  starttls: true
`)
	a, err := ParseAnswers(in)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Firewall
	if f.SSHPort != 2222 || f.Outbound != "strict" || f.AppAddresses[0] != "203.0.113.7" || f.MTAAddresses[0] != "10.0.0.4" || f.ProxyStatusListen != "127.0.0.1:8080" {
		t.Fatalf("firewall = %+v", f)
	}
	if !a.SMTPProxy.Enabled || a.SMTPProxy.Backend != "127.0.0.1:2525" || !a.SMTPProxy.STARTTLS {
		t.Fatalf("smtp_proxy = %+v", a.SMTPProxy)
	}
	out, err := MarshalAnswers(a.Deployment)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ssh_port: 2222", "outbound: strict", "backend: 127.0.0.1:2525", "starttls: true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("marshalled answers lack %q:\n%s", want, out)
		}
	}
}
