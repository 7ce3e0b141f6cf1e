package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/kumoup/kumoup/writer"
)

// tlsSuite12 is a TLS 1.2 cipher suite kumoup can offer, and how it judges it.
type tlsSuite12 struct {
	ID uint16
	// Name is the IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).
	Name string
	// AEAD: GCM or ChaCha20-Poly1305, not CBC or RC4.
	AEAD bool
	// ForwardSecret: ECDHE key exchange, not RSA.
	ForwardSecret bool
}

// tlsSuites12 are the TLS 1.2 suites crypto/tls can negotiate, insecure
// ones included, each judged from its name.
func tlsSuites12() []tlsSuite12 {
	var out []tlsSuite12
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if !slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			continue
		}
		out = append(out, tlsSuite12{
			ID:            s.ID,
			Name:          s.Name,
			AEAD:          strings.Contains(s.Name, "_GCM_") || strings.Contains(s.Name, "CHACHA20_POLY1305"),
			ForwardSecret: strings.HasPrefix(s.Name, "TLS_ECDHE_"),
		})
	}
	return out
}

// tlsAcceptedSuites12 offers each TLS 1.2 suite alone, one handshake per
// suite (all at once), and returns those the server accepted. A dial
// error is returned as is: the server did not answer at all.
func (t *Target) tlsAcceptedSuites12(ctx context.Context) ([]tlsSuite12, error) {
	suites := tlsSuites12()
	ok := make([]bool, len(suites))
	errs := make([]error, len(suites))
	var wg sync.WaitGroup
	for i, s := range suites {
		wg.Go(func() {
			_, err := t.tlsProbeHandshake(ctx, &tls.Config{
				MinVersion:   tls.VersionTLS12,
				MaxVersion:   tls.VersionTLS12,
				CipherSuites: []uint16{s.ID},
			})
			ok[i], errs[i] = err == nil, err
		})
	}
	wg.Wait()
	var out []tlsSuite12
	for i, s := range suites {
		var op *net.OpError
		if err := errs[i]; err != nil && (errors.As(err, &op) && op.Op == "dial" || ctx.Err() != nil) {
			return nil, err
		}
		if ok[i] {
			out = append(out, s)
		}
	}
	return out, nil
}

// tlsMozillaIntermediate is the ssl_ciphers line kumoup writes (Mozilla's
// intermediate configuration): every suite AEAD with forward secrecy.
const tlsMozillaIntermediate = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

// checkTLSCiphers wants every TLS 1.2 suite the server accepts to be AEAD
// (GCM, ChaCha20-Poly1305) with forward secrecy (ECDHE): no CBC, no RC4,
// no 3DES, no RSA key exchange. TLS 1.3's suites are all AEAD with
// forward secrecy and are not asked.
func checkTLSCiphers(ctx context.Context, t *Target) Result {
	accepted, err := t.tlsAcceptedSuites12(ctx)
	if err != nil {
		return Fail(t.edgeTransportRemedy(err), "TLS handshake with %s: %v", t.tlsAddr(), err)
	}
	remedy := fmt.Sprintf("in the default 443 server and the %s server of %s: `ssl_ciphers %s;` and `ssl_prefer_server_ciphers off;` (Mozilla intermediate; `%s` writes them); then `nginx -t && systemctl reload nginx`",
		t.Deployment.Domain, t.edgeSiteFile(), tlsMozillaIntermediate, writer.ApplyCommand(t.Layout))
	if len(accepted) == 0 {
		return Skip("no TLS 1.2 suite kumoup knows was accepted (tls.protocols says whether TLS 1.2 is)")
	}
	var good, weak []string
	for _, s := range accepted {
		var why []string
		if !s.AEAD {
			why = append(why, "not AEAD")
		}
		if !s.ForwardSecret {
			why = append(why, "no forward secrecy")
		}
		if len(why) == 0 {
			good = append(good, s.Name)
			continue
		}
		weak = append(weak, fmt.Sprintf("%s (%s)", s.Name, strings.Join(why, ", ")))
	}
	if len(weak) > 0 {
		return Fail(remedy, "TLS 1.2 accepts %d of %d suites tried; %d weak: %s",
			len(accepted), len(tlsSuites12()), len(weak), strings.Join(weak, ", "))
	}
	return Pass("TLS 1.2 accepts %d of %d suites tried, all AEAD with forward secrecy: %s",
		len(accepted), len(tlsSuites12()), strings.Join(good, ", "))
}
