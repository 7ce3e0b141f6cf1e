package loopback

import "github.com/kumoup/kumoup/internal/testca"

// The site's certificates come from package testca, shared with
// internal/netnstest; these names keep the loopback API.

// CA is a throwaway certificate authority (ECDSA P-256) for loopback sites.
type CA = testca.CA

// NewCA makes a CA valid from a year ago for ten years (see testca.New).
func NewCA() (*CA, error) { return testca.New() }

// CertKind selects the server certificate a Site gets.
type CertKind = testca.CertKind

// The certificate kinds (see testca.CertKind).
const (
	CertValid        = testca.CertValid
	CertExpired      = testca.CertExpired
	CertExpiringSoon = testca.CertExpiringSoon
	CertWrongName    = testca.CertWrongName
	CertSelfSigned   = testca.CertSelfSigned
	CertRSA          = testca.CertRSA
)

// WrongName is the only name on a CertWrongName certificate.
const WrongName = testca.WrongName
