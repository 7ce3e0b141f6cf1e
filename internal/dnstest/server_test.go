package dnstest

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
)

func resolver(s *Server, network string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.Addr())
	}}
}

func TestServerAnswersEveryRecordTypeOverUDPAndTCP(t *testing.T) {
	long := strings.Repeat("x", 250)
	s := New(t, Zone{
		"MTA.example.com": {"A 192.0.2.10", "AAAA 2001:db8::10"},
		"example.com.":    {`TXT "v=spf1 include:_spf.example.net -all"`, "MX 10 mx.example.com."},
		"192.0.2.10":      {"PTR mta.example.com."},
		"www.example.com": {"CNAME mta.example.com."},
		"big.example.com": {`TXT "` + long + `" "` + long + `"`, `TXT "` + long + `"`, `TXT "` + long + `"`},
	})
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			ctx := context.Background()
			r := resolver(s, network)
			ips, err := r.LookupHost(ctx, "mta.example.com")
			if err != nil || !slices.Contains(ips, "192.0.2.10") || !slices.Contains(ips, "2001:db8::10") {
				t.Errorf("LookupHost = %v, %v; want both addresses", ips, err)
			}
			txt, err := r.LookupTXT(ctx, "example.com")
			if err != nil || len(txt) != 1 || txt[0] != "v=spf1 include:_spf.example.net -all" {
				t.Errorf("LookupTXT = %q, %v", txt, err)
			}
			mx, err := r.LookupMX(ctx, "example.com")
			if err != nil || len(mx) != 1 || mx[0].Host != "mx.example.com." {
				t.Errorf("LookupMX = %v, %v", mx, err)
			}
			names, err := r.LookupAddr(ctx, "192.0.2.10")
			if err != nil || len(names) != 1 || names[0] != "mta.example.com." {
				t.Errorf("LookupAddr = %v, %v", names, err)
			}
			ips, err = r.LookupHost(ctx, "www.example.com")
			if err != nil || !slices.Contains(ips, "192.0.2.10") {
				t.Errorf("LookupHost through CNAME = %v, %v", ips, err)
			}
			txt, err = r.LookupTXT(ctx, "big.example.com")
			if err != nil || len(txt) != 3 {
				t.Errorf("LookupTXT of a large answer = %d records, %v; want 3 (TCP fallback)", len(txt), err)
			}
		})
	}
}

func TestServerSaysNXDOMAINForUnknownNames(t *testing.T) {
	s := New(t, Zone{"example.com": {"A 192.0.2.1"}})
	_, err := resolver(s, "udp").LookupHost(context.Background(), "nope.example.com")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Fatalf("LookupHost(unknown) error = %v; want not found", err)
	}
	if got := s.Asked(); !slices.Contains(got, "A nope.example.com.") {
		t.Errorf("Asked() = %v; want it to record the A question", got)
	}
}

func TestUpdateReplacesTheZone(t *testing.T) {
	s := New(t, Zone{"example.com": {"A 192.0.2.1"}})
	if err := s.Update(Zone{"example.com": {"A 192.0.2.2"}}); err != nil {
		t.Fatal(err)
	}
	ips, err := resolver(s, "udp").LookupHost(context.Background(), "example.com")
	if err != nil || len(ips) != 1 || ips[0] != "192.0.2.2" {
		t.Fatalf("after Update LookupHost = %v, %v; want [192.0.2.2]", ips, err)
	}
}

func TestStartRejectsARecordThatDoesNotParse(t *testing.T) {
	if _, err := Start(Zone{"example.com": {"A not-an-ip"}}); err == nil {
		t.Fatal("Start accepted an A record with no address")
	}
}

// TestServeAnswersOnTheListenersGiven: Serve uses the sockets it is given
// (a namespace's, in kumoup's tests) and names the PacketConn's address.
func TestServeAnswersOnTheListenersGiven(t *testing.T) {
	pc, ln, err := listenPair()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Serve(Zone{"mta.example.com": {"A 192.0.2.10"}}, pc, ln)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Addr() != pc.LocalAddr().String() {
		t.Errorf("Addr %s, want the PacketConn's %s", s.Addr(), pc.LocalAddr())
	}
	for _, network := range []string{"udp", "tcp"} {
		ips, err := resolver(s, network).LookupHost(context.Background(), "mta.example.com")
		if err != nil || !slices.Equal(ips, []string{"192.0.2.10"}) {
			t.Errorf("%s: LookupHost = %v, %v", network, ips, err)
		}
	}
	if _, err := Serve(Zone{"x.example.com": {"A nonsense"}}, pc, ln); err == nil {
		t.Error("a record that does not parse was served")
	}
}
