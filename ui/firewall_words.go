package ui

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// ruleWord is one line of what a rule set allows or blocks, in plain words.
type ruleWord struct {
	allow bool
	text  string
}

// firewallWords says what host's rules allow and block, derived from the
// same answers the rules are rendered from.
func firewallWords(d model.Deployment, host writer.Host) []ruleWord {
	f := d.Firewall
	ssh := f.SSHPortOrDefault()
	out := []ruleWord{{true, fmt.Sprintf("in: SSH on port %d from anywhere, accepted before any drop (this session stays open)", ssh)}}
	switch host {
	case writer.HostProxy:
		port := "the proxy port"
		if ap, err := netip.ParseAddrPort(d.ProxyListenAddress()); err == nil {
			port = "port " + strconv.Itoa(int(ap.Port()))
		}
		out = append(out,
			ruleWord{true, fmt.Sprintf("in: KumoProxy's %s only from %s (firewall.mta_addresses)", port, orAnyone(f.MTAAddresses))},
			ruleWord{false, "in: the HTTP status listeners (" + joinPorts(proxyStatusPorts(d)) + ") from outside loopback"},
		)
	default:
		out = append(out, ruleWord{true, "in: 80 from anywhere (Let's Encrypt http-01 and the redirect to https)"})
		if len(f.AppAddresses) == 0 {
			out = append(out, ruleWord{true, "in: 443 from anywhere (set firewall.app_addresses to restrict it)"})
		} else {
			out = append(out, ruleWord{true, "in: 443 only from " + strings.Join(f.AppAddresses, ", ") + " (firewall.app_addresses)"})
		}
		if d.SMTPProxy.Enabled {
			out = append(out, ruleWord{true, fmt.Sprintf("in: the SMTP proxy's port %d from %s", d.SMTPProxy.ListenPort(), orAnyone(f.AppAddresses))})
		}
		if len(f.PrometheusAddresses) > 0 {
			out = append(out, ruleWord{true, "in: 443 and node_exporter's 9100 from " + strings.Join(f.PrometheusAddresses, ", ") + " (firewall.prometheus_addresses)"})
		} else {
			out = append(out, ruleWord{false, "in: node_exporter's 9100 (firewall.prometheus_addresses opens it)"})
		}
		out = append(out, ruleWord{false, fmt.Sprintf("in: kumod's %d (its admin API) from outside loopback", d.ListenerPort())})
	}
	out = append(out, ruleWord{false, "in: everything else (replies to this host's own connections, loopback, ICMP and DHCP still pass)"})

	dns := "DNS to any server"
	if len(f.Resolvers) > 0 {
		dns = "DNS only to " + strings.Join(f.Resolvers, ", ")
	}
	proxy := fmt.Sprintf("KumoProxy (%s port %d)", d.ProxyHost, d.ProxyPort)
	switch {
	case f.OutboundOrDefault() == model.OutboundStrict && host == writer.HostProxy:
		out = append(out, ruleWord{false, "out (strict): only SMTP 25 to any MX, " + dns + ", HTTP(S) 80/443 (apt), NTP and DHCP leave; everything else is dropped"})
	case f.OutboundOrDefault() == model.OutboundStrict:
		out = append(out, ruleWord{false, "out (strict): only " + proxy + ", " + dns + ", HTTP(S) 80/443 (apt, certbot, the webhook), NTP and DHCP leave; everything else is dropped"})
	case host == writer.HostProxy:
		out = append(out, ruleWord{true, "out (guarded): everything leaves, SMTP 25 to any MX included; " + dns})
	default:
		out = append(out, ruleWord{false, "out (guarded): everything leaves except direct SMTP (25, 465, 587: mail goes through " + proxy + "); " + dns})
	}
	return out
}

func orAnyone(list []string) string {
	if len(list) == 0 {
		return "nobody (list them first)"
	}
	return strings.Join(list, ", ")
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

// proxyStatusPorts mirrors the rules' closed status ports: kumod's 8000,
// KumoProxy's suggested 8080 and the configured status port.
func proxyStatusPorts(d model.Deployment) []int {
	ports := []int{8000, model.DefaultProxyStatusPort}
	if ap, err := netip.ParseAddrPort(d.Firewall.ProxyStatusListen); err == nil {
		if p := int(ap.Port()); p != 8000 && p != model.DefaultProxyStatusPort {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	return ports
}
