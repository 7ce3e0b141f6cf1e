package dnstest

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// Zone maps an owner name to its records, each written as "TYPE RDATA" in
// zone file presentation form without the owner and TTL:
//
//	dnstest.Zone{
//		"mta.example.com":  {"A 192.0.2.10", "AAAA 2001:db8::10"},
//		"example.com":      {`TXT "v=spf1 include:_spf.example.net -all"`, "MX 10 mx.example.com."},
//		"192.0.2.10":       {"PTR mta.example.com."},
//	}
//
// Names are case-insensitive, with or without the trailing dot. A key that
// is an IP address stands for its reverse name (10.2.0.192.in-addr.arpa.),
// so PTR records can be keyed by the address they describe. Records get a
// TTL of 60 seconds.
type Zone map[string][]string

// records is a parsed zone: lower-cased FQDN to its records.
type records map[string][]dns.RR

// TTL is the time to live of every record served.
const TTL = 60

func parse(z Zone) (records, error) {
	out := make(records, len(z))
	for name, rrs := range z {
		owner, err := ownerName(name)
		if err != nil {
			return nil, err
		}
		if _, ok := out[owner]; !ok {
			out[owner] = nil
		}
		for _, data := range rrs {
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s", owner, TTL, data))
			if err != nil {
				return nil, fmt.Errorf("dnstest: record %q for %q: %w", data, name, err)
			}
			if rr == nil {
				return nil, fmt.Errorf("dnstest: record %q for %q is empty", data, name)
			}
			out[owner] = append(out[owner], rr)
		}
	}
	return out, nil
}

// ownerName turns a zone key into a lower-cased FQDN; IP addresses become
// their reverse name.
func ownerName(name string) (string, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		rev, err := dns.ReverseAddr(a.String())
		if err != nil {
			return "", fmt.Errorf("dnstest: reverse name of %q: %w", name, err)
		}
		return rev, nil
	}
	if name == "" {
		return "", fmt.Errorf("dnstest: empty owner name")
	}
	return strings.ToLower(dns.Fqdn(name)), nil
}
