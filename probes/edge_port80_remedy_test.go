package probes

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestPort80RemedyNamesTheCauseOfNoAnswer(t *testing.T) {
	tg := &Target{Deployment: model.Deployment{Domain: "mta.example.com"}}
	lookup := fmt.Errorf("get: %w", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "mta.example.com"}})
	if r := tg.edgePort80Remedy(lookup); !strings.Contains(r, "resolve") || strings.Contains(r, "listen 80") {
		t.Errorf("a name that does not resolve: %q", r)
	}
	refused := fmt.Errorf("get: %w", &net.OpError{Op: "dial", Err: fmt.Errorf("connection refused")})
	if r := tg.edgePort80Remedy(refused); !strings.Contains(r, "listen 80") {
		t.Errorf("a refused connection: %q", r)
	}
}
