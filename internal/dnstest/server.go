package dnstest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a DNS server on 127.0.0.1, UDP and TCP on one port.
type Server struct {
	addr string
	udp  *dns.Server
	tcp  *dns.Server

	mu    sync.Mutex
	zone  records
	asked []string
}

// Start serves zone on 127.0.0.1 (UDP and TCP, same free port) until
// Close. It returns an error for a record that does not parse.
func Start(zone Zone) (*Server, error) {
	if _, err := parse(zone); err != nil {
		return nil, err
	}
	pc, ln, err := listenPair()
	if err != nil {
		return nil, err
	}
	s, err := Serve(zone, pc, ln)
	if err != nil {
		pc.Close()
		ln.Close()
	}
	return s, err
}

// Serve serves zone on pc (UDP) and ln (TCP) until Close, which closes
// them: for a server inside a network namespace (netnstest's
// ListenPacket and Listen). Addr is pc's address.
func Serve(zone Zone, pc net.PacketConn, ln net.Listener) (*Server, error) {
	recs, err := parse(zone)
	if err != nil {
		return nil, err
	}
	s := &Server{zone: recs, addr: pc.LocalAddr().String()}
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
	s.tcp = &dns.Server{Listener: ln, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: notify}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		go func() { _ = srv.ActivateAndServe() }()
	}
	<-started
	<-started
	return s, nil
}

// New is Start for tests: it fails tb on error and closes the server when
// the test ends.
func New(tb testing.TB, zone Zone) *Server {
	tb.Helper()
	s, err := Start(zone)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// listenPair binds UDP on a free loopback port and TCP on the same port,
// retrying when another process holds the TCP side.
func listenPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: listen udp on 127.0.0.1: %w", err)
		}
		ln, err := net.Listen("tcp4", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		lastErr = err
		pc.Close()
	}
	return nil, nil, fmt.Errorf("dnstest: no loopback port free for both udp and tcp: %w", lastErr)
}

// Addr is "127.0.0.1:PORT" (Serve: the PacketConn's address), for a
// resolver's Dial or kumoup's --resolver.
func (s *Server) Addr() string { return s.addr }

// Update replaces the whole zone.
func (s *Server) Update(zone Zone) error {
	recs, err := parse(zone)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.zone = recs
	s.mu.Unlock()
	return nil
}

// Asked returns the questions received so far, as "TYPE name." in arrival
// order ("TXT example.com.").
func (s *Server) Asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// Close stops both listeners.
func (s *Server) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.asked = append(s.asked, dns.TypeToString[q.Qtype]+" "+name)
	m.Answer, m.Rcode = s.answer(name, q.Qtype)
	s.mu.Unlock()
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// answer collects the records of type qtype at name, following CNAMEs
// inside the zone. The caller holds s.mu.
func (s *Server) answer(name string, qtype uint16) ([]dns.RR, int) {
	var out []dns.RR
	for range 8 {
		rrs, known := s.zone[name]
		if !known {
			if len(out) > 0 {
				return out, dns.RcodeSuccess
			}
			return nil, dns.RcodeNameError
		}
		next := ""
		for _, rr := range rrs {
			switch {
			case rr.Header().Rrtype == qtype || qtype == dns.TypeANY:
				out = append(out, dns.Copy(rr))
			case rr.Header().Rrtype == dns.TypeCNAME:
				out = append(out, dns.Copy(rr))
				next = strings.ToLower(rr.(*dns.CNAME).Target)
			}
		}
		if next == "" {
			break
		}
		name = next
	}
	return out, dns.RcodeSuccess
}
