// Package dnstest runs an in-process DNS server on loopback for tests.
//
// A [Server] answers A, AAAA, PTR, TXT, MX, CNAME (any type the zone
// holds) from a [Zone], a map from owner name to records written in zone
// file presentation form ("A 192.0.2.1", `TXT "v=spf1 -all"`). It listens
// on 127.0.0.1 with UDP and TCP on the same port, so a resolver configured
// with [Server.Addr] can fall back to TCP for truncated answers. Unknown
// names get NXDOMAIN; a known name without records of the asked type gets
// an empty NOERROR answer.
//
// Tests only: the package imports github.com/miekg/dns, which kumoup
// itself never needs.
package dnstest
