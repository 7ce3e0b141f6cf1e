package testca

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteCertificateLeavesTheFilesAsCertbotDoes(t *testing.T) {
	ca, err := New()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "live", "mta.example.com")
	cert, key := filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	if err := ca.WriteCertificate("mta.example.com", cert, key); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{cert: 0o644, key: 0o600, dir: 0o755} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		t.Fatalf("the written pair does not load: %v", err)
	}
	if len(pair.Certificate) != 2 {
		t.Errorf("%d certificates in %s, want the leaf and the CA (a full chain)", len(pair.Certificate), cert)
	}
	if err := pair.Leaf.VerifyHostname("mta.example.com"); err != nil {
		t.Errorf("leaf: %v", err)
	}
}

func TestWriteKeyPairTightensAKeyFileThatWasLoose(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(key, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(cert, key, []byte("cert"), []byte("key")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o, want 0600", fi.Mode().Perm())
	}
}
