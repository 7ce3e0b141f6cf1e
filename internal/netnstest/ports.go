package netnstest

import (
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/testca"
)

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// SelfSigned writes a certificate for names, valid for a day, into dir
// (cert.pem, the full chain; key.pem, 0600) and returns their paths and a
// pool that trusts it. It comes from a throwaway CA of its own (package
// testca, as loopback sites' certificates do); only the pool trusts it.
func SelfSigned(t testing.TB, dir string, names ...string) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	ca, err := testca.New()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue(names, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := testca.WriteKeyPair(cert, key, certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	return cert, key, ca.Pool()
}
