package probes

import (
	"context"
	"crypto/x509"
	"errors"
	"time"
)

// CertificateExpiry is when the first certificate of the chain nginx serves
// for the deployment's name expires (the moment tls.certificate.expiry
// judges), for the exported metrics. It does not verify the chain: the
// tls checks judge that. It shakes hands on its own: after a Run, use
// RunWithCertificateExpiry instead, which reads the sweep's handshake.
func CertificateExpiry(ctx context.Context, t *Target) (time.Time, error) {
	chain, bad := t.tlsServedChain(ctx)
	if bad != nil {
		return time.Time{}, errors.New(bad.Detail)
	}
	return tlsFirstToExpire(chain).NotAfter, nil
}

// tlsFirstToExpire is the certificate of the served chain that expires
// first (the leaf when several expire together): it decides the chain's
// expiry.
func tlsFirstToExpire(chain []*x509.Certificate) *x509.Certificate {
	first := chain[0]
	for _, c := range chain[1:] {
		if c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	return first
}

// RunWithCertificateExpiry is Run that also returns CertificateExpiry,
// read from the sweep's own handshake: the certificate checks (name,
// expiry, chain) and the expiry share one handshake. When none of them ran
// (--only), the handshake is done once after the checks, within the same
// sweep and t's timeout. The expiry is zero when the deployment has no
// name or the handshake failed (a failing tls check says why).
func RunWithCertificateExpiry(ctx context.Context, t *Target, checks []Check) ([]Result, time.Time) {
	s := newSweep()
	results := runMasked(ctx, t, checks, s)
	if t.Deployment.Domain == "" {
		return results, time.Time{}
	}
	ctx, cancel := context.WithTimeout(ctx, t.checkTimeout())
	defer cancel()
	exp, err := CertificateExpiry(ctx, t.inSweep(s))
	if err != nil {
		return results, time.Time{}
	}
	return results, exp
}
