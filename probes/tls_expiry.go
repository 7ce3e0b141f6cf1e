package probes

import (
	"context"
	"errors"
	"time"
)

// CertificateExpiry is when the first certificate of the chain nginx serves
// for the deployment's name expires (the moment tls.certificate.expiry
// judges), for the exported metrics. It does not verify the chain: the
// tls checks judge that.
func CertificateExpiry(ctx context.Context, t *Target) (time.Time, error) {
	chain, bad := t.tlsServedChain(ctx)
	if bad != nil {
		return time.Time{}, errors.New(bad.Detail)
	}
	first := chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotAfter.Before(first) {
			first = c.NotAfter
		}
	}
	return first, nil
}
