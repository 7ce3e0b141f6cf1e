// Package testca is a throwaway certificate authority for tests and for
// `kumoup demo`: ECDSA P-256 (or RSA) server certificates for a name,
// valid, expired, expiring, for the wrong name or self-signed, written as
// certbot leaves them. Nothing it makes is trusted outside the pool it
// returns.
package testca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is a throwaway certificate authority (ECDSA P-256).
type CA struct {
	// Cert is the self-signed CA certificate.
	Cert *x509.Certificate
	// Key signs the certificates Issue makes.
	Key *ecdsa.PrivateKey
	// PEM is Cert, PEM-encoded (a CA file for curl --cacert or openssl).
	PEM []byte
}

// New makes a CA valid from a year ago for ten years (a real CA predates
// the certificates it signs, expired ones included).
func New() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testca: generate CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "kumoup loopback test CA", Organization: []string{"kumoup tests"}},
		NotBefore:             now.AddDate(-1, 0, 0),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("testca: self-sign CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testca: parse CA: %w", err)
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Pool returns a certificate pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue signs a server certificate for names (DNS names or IP literals)
// valid from notBefore to notAfter, with a fresh ECDSA P-256 key. certPEM
// is the leaf followed by the CA (a full chain, like Let's Encrypt's
// fullchain.pem); keyPEM is the PKCS#8 private key.
func (ca *CA) Issue(names []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte, err error) {
	if len(names) == 0 {
		return nil, nil, errors.New("testca: issue: no names: give at least one DNS name")
	}
	if !notAfter.After(notBefore) {
		return nil, nil, fmt.Errorf("testca: issue: notAfter %s is not after notBefore %s", notAfter, notBefore)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: sign certificate for %v: %w", names, err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: encode key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certPEM = append(certPEM, ca.PEM...)
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
	return certPEM, keyPEM, nil
}

// WriteCertificate issues a CertValid certificate for domain and writes
// its full chain to certFile (0644) and its key to keyFile (0600),
// creating their directories, as certbot leaves them.
func (ca *CA) WriteCertificate(domain, certFile, keyFile string) error {
	certPEM, keyPEM, err := ca.IssueKind(CertValid, domain, time.Now())
	if err != nil {
		return fmt.Errorf("testca: a certificate for %s: %w", domain, err)
	}
	return WriteKeyPair(certFile, keyFile, certPEM, keyPEM)
}

// WriteKeyPair writes a certificate (0644) and its key (0600), creating
// their directories (0755), as certbot leaves them. The key is never in a
// file looser than 0600, even for a moment.
func WriteKeyPair(certFile, keyFile string, certPEM, keyPEM []byte) error {
	if err := writeFile(certFile, 0o644, certPEM); err != nil {
		return err
	}
	return writeFile(keyFile, 0o600, keyPEM)
}

func writeFile(path string, mode os.FileMode, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("testca: create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("testca: write %s: %w", path, err)
	}
	// A file that was there keeps its mode on open: tighten it first.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("testca: chmod %s: %w", path, err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("testca: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("testca: write %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("testca: chmod %s: %w", path, err)
	}
	return nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on Linux; a fixed serial is still valid.
		return big.NewInt(1)
	}
	return n
}

// CertKind selects the server certificate IssueKind makes.
type CertKind int

const (
	// CertValid is valid for the domain from an hour ago for 90 days.
	CertValid CertKind = iota
	// CertExpired expired a day ago (issued 91 days ago).
	CertExpired
	// CertExpiringSoon is valid for the domain but expires in 3 days.
	CertExpiringSoon
	// CertWrongName is valid but for WrongName only, not the domain.
	CertWrongName
	// CertSelfSigned is valid for the domain but signed by its own key,
	// not by the CA: it verifies nowhere.
	CertSelfSigned
	// CertRSA is CertValid with an RSA 2048 key instead of ECDSA: the
	// server then offers the RSA-authenticated cipher suites (ECDHE-RSA,
	// plain RSA key exchange), as most certbot certificates do.
	CertRSA
)

// WrongName is the only name on a CertWrongName certificate.
const WrongName = "wrong-name.example.net"

func (k CertKind) String() string {
	switch k {
	case CertValid:
		return "valid"
	case CertExpired:
		return "expired"
	case CertExpiringSoon:
		return "expiring in 3 days"
	case CertWrongName:
		return "wrong name"
	case CertSelfSigned:
		return "self-signed"
	case CertRSA:
		return "RSA"
	}
	return fmt.Sprintf("CertKind(%d)", int(k))
}

// IssueKind issues the certificate of kind k for domain at time now.
func (ca *CA) IssueKind(k CertKind, domain string, now time.Time) (certPEM, keyPEM []byte, err error) {
	names := []string{domain}
	from, to := now.Add(-time.Hour), now.AddDate(0, 0, 90)
	switch k {
	case CertValid:
	case CertExpired:
		from, to = now.AddDate(0, 0, -91), now.AddDate(0, 0, -1)
	case CertExpiringSoon:
		from, to = now.AddDate(0, 0, -87), now.AddDate(0, 0, 3)
	case CertWrongName:
		names = []string{WrongName}
	case CertSelfSigned:
		self, err := New()
		if err != nil {
			return nil, nil, err
		}
		certPEM, keyPEM, err := self.Issue(names, from, to)
		if err != nil {
			return nil, nil, err
		}
		// The leaf alone: its issuer is a CA nobody trusts and nobody serves.
		block, _ := pem.Decode(certPEM)
		return pem.EncodeToMemory(block), keyPEM, nil
	case CertRSA:
		return ca.issueRSA(names, from, to)
	default:
		return nil, nil, fmt.Errorf("testca: unknown certificate kind %d", int(k))
	}
	return ca.Issue(names, from, to)
}

// issueRSA is Issue with an RSA 2048 key.
func (ca *CA) issueRSA(names []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: generate RSA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: sign RSA certificate for %v: %w", names, err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("testca: encode RSA key: %w", err)
	}
	certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.PEM...)
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), nil
}
