package netnstest

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message an SMTPSink accepted.
type Message struct {
	From string
	To   []string
	// Data is the message exactly as received after DATA (CRLF line ends,
	// dot-unstuffed).
	Data []byte
}

// SMTPSink is an SMTP server (github.com/emersion/go-smtp) that keeps
// every message it accepts. Like KumoMTA it does not know XCLIENT.
type SMTPSink struct {
	// Addr is where it listens.
	Addr string

	mu   sync.Mutex
	msgs []Message
	got  chan struct{}
}

// StartSMTPSink listens on addr (in ns when not nil) and serves until t ends.
func StartSMTPSink(t testing.TB, ns *NS, addr string) *SMTPSink {
	t.Helper()
	var ln net.Listener
	var err error
	if ns != nil {
		ln, err = ns.Listen("tcp", addr)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Addr: ln.Addr().String(), got: make(chan struct{}, 16)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns what the sink accepted so far.
func (s *SMTPSink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits up to timeout for the n-th message and reports whether it came.
func (s *SMTPSink) Wait(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		if len(s.Messages()) >= n {
			return true
		}
		select {
		case <-s.got:
		case <-deadline:
			return false
		}
	}
}

// RefusedDomain is the recipient domain the sink refuses with 550 5.1.1.
const RefusedDomain = "refused.test"

type sinkSession struct {
	sink *SMTPSink
	msg  Message
}

func (s *sinkSession) Reset()        { s.msg = Message{} }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.From = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@"+RefusedDomain) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	s.msg.Data = b.Bytes()
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.msg)
	s.sink.mu.Unlock()
	select {
	case s.sink.got <- struct{}{}:
	default:
	}
	return nil
}
