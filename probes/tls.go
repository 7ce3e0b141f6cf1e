package probes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tlsChecks are the tls family, in catalogue order: the certificate nginx
// serves for the name, and the protocol versions it accepts.
var tlsChecks = []Check{
	{ID: "tls.certificate.name", Title: "The certificate covers the name", Run: tlsUnlessInsecure(checkCertificateName)},
	{ID: "tls.certificate.expiry", Title: "The certificate is not about to expire", Run: tlsUnlessInsecure(checkCertificateExpiry)},
	{ID: "tls.certificate.chain", Title: "The certificate chain verifies", Run: tlsUnlessInsecure(checkCertificateChain)},
	{ID: "tls.protocols", Title: "Only TLS 1.2 and 1.3 are accepted", Run: tlsUnlessInsecure(checkTLSProtocols)},
	{ID: "tls.ciphers", Title: "Every TLS 1.2 cipher suite is AEAD with forward secrecy", Run: tlsUnlessInsecure(checkTLSCiphers)},
}

// The IDs of the tls checks that judge why a certificate does not verify.
const (
	tlsNameID   = "tls.certificate.name"
	tlsExpiryID = "tls.certificate.expiry"
	tlsChainID  = "tls.certificate.chain"
)

// tlsVerifiedNeeds are the preconditions of a check that sends the token:
// it goes only over TLS that verifies, so a certificate for another name
// or from an unknown authority blocks it (an expired one is caught by
// blockedByTLS when the handshake refuses it).
var tlsVerifiedNeeds = []string{tlsNameID, tlsChainID}

// tlsCheckFor names the tls check that judges a certificate verification
// error: the name, the dates or the chain.
func tlsCheckFor(err error) string {
	var (
		host x509.HostnameError
		inv  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &host):
		return tlsNameID
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return tlsExpiryID
	}
	return tlsChainID
}

// tlsVerificationError reports whether err is a certificate that does not
// verify (as opposed to no answer at all).
func tlsVerificationError(err error) bool {
	var certErr *tls.CertificateVerificationError
	return errors.As(err, &certErr)
}

// Certificate expiry thresholds.
const (
	CertificateFailBefore = 7 * 24 * time.Hour
	CertificateWarnBefore = 21 * 24 * time.Hour
)

// tlsUnlessInsecure turns every result of a TLS check into a warning that
// says verification was off when the target is --insecure: no TLS check
// passes (or fails the run) unverified, and what it found is still shown.
func tlsUnlessInsecure(run func(context.Context, *Target) Result) func(context.Context, *Target) Result {
	return func(ctx context.Context, t *Target) Result {
		r := run(ctx, t)
		if !t.Insecure {
			return r
		}
		found := r.Status.String()
		if r.Status == StatusSkip {
			found = "skipped"
		}
		return Warn("drop --insecure (pass --ca-file FILE to trust a private CA)",
			"TLS verification off (--insecure), would %s: %s", found, r.Detail)
	}
}

// tlsAddr is domain:port of the HTTPS listener, the key --connect-to maps.
func (t *Target) tlsAddr() string {
	return net.JoinHostPort(t.Deployment.Domain, strconv.Itoa(t.edgeHTTPSPort()))
}

// tlsProbeHandshake dials the HTTPS port and shakes hands with cfg (ServerName
// is set to the domain). It does not verify: the callers judge what came
// back.
func (t *Target) tlsProbeHandshake(ctx context.Context, cfg *tls.Config) (tls.ConnectionState, error) {
	// Not tlsDial: the connection is not bound to ctx, so a handshake that
	// overruns fails with ctx's error (the remedy says to raise --timeout),
	// not with the connection's i/o timeout.
	raw, err := t.DialContext(ctx, "tcp", t.tlsAddr())
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer raw.Close()
	cfg.ServerName = t.Deployment.Domain
	cfg.InsecureSkipVerify = true
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return tls.ConnectionState{}, err
	}
	return conn.ConnectionState(), nil
}

// tlsDial dials the HTTPS port (through DialContext, so --connect-to
// works), binds the connection to ctx (see bindConn) and shakes hands with
// cfg as given. On success the caller uses conn, then calls done, which
// unbinds and closes it; on error the connection is already closed.
func (t *Target) tlsDial(ctx context.Context, cfg *tls.Config) (conn *tls.Conn, done func(), err error) {
	raw, err := t.DialContext(ctx, "tcp", t.tlsAddr())
	if err != nil {
		return nil, nil, err
	}
	stop := bindConn(ctx, raw)
	done = func() {
		stop()
		raw.Close()
	}
	conn = tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		done()
		return nil, nil, err
	}
	return conn, done, nil
}

// tlsServedChain returns the certificates nginx serves for the name, or the
// failing Result. The handshake is done once per sweep: the name, expiry
// and chain checks judge the same certificates (read them, never change
// them).
func (t *Target) tlsServedChain(ctx context.Context) ([]*x509.Certificate, *Result) {
	chain, err := sweepShared(ctx, t, "tls.served", func(ctx context.Context) ([]*x509.Certificate, error) {
		st, err := t.tlsProbeHandshake(ctx, &tls.Config{MinVersion: tls.VersionTLS12})
		if err == nil && len(st.PeerCertificates) == 0 {
			err = errors.New("no certificate was served")
		}
		return st.PeerCertificates, err
	})
	if err != nil {
		r := Fail(t.edgeTransportRemedy(err), "TLS handshake with %s: %v", t.tlsAddr(), err)
		return nil, &r
	}
	return chain, nil
}

func (t *Target) tlsRemedyCertificate() string {
	return fmt.Sprintf("issue a certificate for %s (`certbot certonly --webroot -w %s -d %s`) and point ssl_certificate in %s at its fullchain.pem (now %s); then `nginx -t && systemctl reload nginx`",
		t.Deployment.Domain, t.Deployment.ACMEWebroot, t.Deployment.Domain, t.edgeSiteFile(), t.Deployment.TLSCertificate)
}

// tlsCertificateNames lists the names a certificate covers, for a detail.
func tlsCertificateNames(c *x509.Certificate) string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, "CN="+c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no name"
	}
	if len(names) > 4 {
		names = append(names[:4], fmt.Sprintf("and %d more", len(names)-4))
	}
	return strings.Join(names, ", ")
}

func checkCertificateName(ctx context.Context, t *Target) Result {
	chain, bad := t.tlsServedChain(ctx)
	if bad != nil {
		return *bad
	}
	leaf := chain[0]
	if err := leaf.VerifyHostname(t.Deployment.Domain); err != nil {
		return Fail(t.tlsRemedyCertificate(), "the certificate served for %s covers %s, not %s", t.Deployment.Domain, tlsCertificateNames(leaf), t.Deployment.Domain)
	}
	return Pass("the certificate served for %s covers it (%s)", t.Deployment.Domain, tlsCertificateNames(leaf))
}

func checkCertificateExpiry(ctx context.Context, t *Target) Result {
	chain, bad := t.tlsServedChain(ctx)
	if bad != nil {
		return *bad
	}
	now := t.now()
	// The first certificate of the served chain to expire decides.
	first := tlsFirstToExpire(chain)
	which := "the certificate"
	if first != chain[0] {
		which = fmt.Sprintf("the served intermediate %q", first.Subject.CommonName)
	}
	left := first.NotAfter.Sub(now)
	when := first.NotAfter.UTC().Format("2006-01-02 15:04 MST")
	renew := "renew it: `certbot renew`, then `systemctl reload nginx`; check that renewals run on their own (`systemctl list-timers certbot.timer`) and reload nginx (a deploy hook)"
	switch {
	case now.Before(chain[0].NotBefore):
		return Fail(t.tlsRemedyCertificate(), "the certificate is not valid before %s (the clock says %s)", chain[0].NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case left <= 0:
		return Fail(renew, "%s expired on %s", which, when)
	case left < CertificateFailBefore:
		return Fail(renew, "%s expires on %s, in %s (fail under %d days)", which, when, tlsHumanDays(left), int(CertificateFailBefore.Hours()/24))
	case left < CertificateWarnBefore:
		return Warn(renew, "%s expires on %s, in %s (warn under %d days)", which, when, tlsHumanDays(left), int(CertificateWarnBefore.Hours()/24))
	}
	return Pass("%s expires on %s, in %s", which, when, tlsHumanDays(left))
}

// tlsHumanDays is "3 days", "1 day" or "5 hours".
func tlsHumanDays(d time.Duration) string {
	switch days := int(d.Hours() / 24); {
	case days > 1:
		return fmt.Sprintf("%d days", days)
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}

func checkCertificateChain(ctx context.Context, t *Target) Result {
	chain, bad := t.tlsServedChain(ctx)
	if bad != nil {
		return *bad
	}
	roots := "the system roots"
	if t.RootCAs != nil {
		roots = "--ca-file"
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	// The dates are tls.certificate.expiry's to judge: a chain served
	// outside its validity is verified at a moment inside it, so an
	// expired certificate is one failure, not two.
	at, asOf := tlsChainTime(chain, t.now())
	verified, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         t.RootCAs,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		remedy := fmt.Sprintf("serve the full chain: ssl_certificate in %s must be fullchain.pem, not cert.pem (now %s); then `nginx -t && systemctl reload nginx`", t.edgeSiteFile(), t.Deployment.TLSCertificate)
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			remedy = "renew the certificate: `certbot renew`, then `systemctl reload nginx`"
		}
		if len(chain) == 1 && chain[0].Subject.String() == chain[0].Issuer.String() {
			remedy = t.tlsRemedyCertificate() + " (a self-signed certificate verifies nowhere; for a private CA pass --ca-file)"
		}
		return Fail(remedy, "%d certificate(s) served, not verified against %s: %v", len(chain), roots, err)
	}
	root := verified[0][len(verified[0])-1]
	return Pass("%d certificate(s) served, verified against %s up to %q%s", len(chain), roots, root.Subject.CommonName, asOf)
}

// tlsChainTime is when to verify the served chain: now, or, when now is
// outside some certificate's validity, the last moment all of them are
// valid, with a note saying so for the detail.
func tlsChainTime(chain []*x509.Certificate, now time.Time) (time.Time, string) {
	from, to := chain[0].NotBefore, chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotBefore.After(from) {
			from = c.NotBefore
		}
		if c.NotAfter.Before(to) {
			to = c.NotAfter
		}
	}
	if !now.Before(from) && !now.After(to) || !from.Before(to) {
		return now, ""
	}
	at := to
	if now.Before(from) {
		at = from
	}
	return at, fmt.Sprintf(" (as of %s, inside its validity: the dates are %s's to judge)", at.UTC().Format("2006-01-02"), tlsExpiryID)
}

// tlsVersions are the versions the protocol check offers, one at a time.
var tlsVersions = []struct {
	v       uint16
	name    string
	wanted  bool
	missing Status // the status when a wanted version is refused
}{
	{tls.VersionTLS10, "1.0", false, 0},
	{tls.VersionTLS11, "1.1", false, 0},
	{tls.VersionTLS12, "1.2", true, StatusFail},
	{tls.VersionTLS13, "1.3", true, StatusWarn},
}

// tlsEveryCipherSuite offers every suite Go knows, insecure ones included, so
// an old protocol a server accepts only with an old suite is still seen.
func tlsEveryCipherSuite() []uint16 {
	var ids []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		ids = append(ids, s.ID)
	}
	return ids
}

func checkTLSProtocols(ctx context.Context, t *Target) Result {
	// One handshake per version, all at once.
	errs := make([]error, len(tlsVersions))
	var wg sync.WaitGroup
	for i, v := range tlsVersions {
		wg.Go(func() {
			_, errs[i] = t.tlsProbeHandshake(ctx, &tls.Config{MinVersion: v.v, MaxVersion: v.v, CipherSuites: tlsEveryCipherSuite()})
		})
	}
	wg.Wait()
	var accepted, refused []string
	status := StatusPass
	for i, v := range tlsVersions {
		err := errs[i]
		var op *net.OpError
		if err != nil && (errors.As(err, &op) && op.Op == "dial" || ctx.Err() != nil) {
			return Fail(t.edgeTransportRemedy(err), "TLS handshake with %s: %v", t.tlsAddr(), err)
		}
		if err == nil {
			accepted = append(accepted, v.name)
			if !v.wanted {
				status = StatusFail
			}
			continue
		}
		refused = append(refused, v.name)
		if v.wanted && v.missing > status {
			status = v.missing
		}
	}
	detail := fmt.Sprintf("TLS %s accepted; %s refused", tlsJoinOr(accepted, "none"), tlsJoinOr(refused, "none"))
	remedy := fmt.Sprintf("`ssl_protocols TLSv1.2 TLSv1.3;` in the default 443 server of %s (nginx picks the protocol before SNI picks the server; Debian's nginx.conf enables TLSv1 and TLSv1.1 at http level); then `nginx -t && systemctl reload nginx`", t.edgeSiteFile())
	switch status {
	case StatusFail:
		return Fail(remedy, "%s (want 1.2 and 1.3 only)", detail)
	case StatusWarn:
		return Warn(remedy, "%s (want 1.2 and 1.3 only)", detail)
	}
	return Pass("%s", detail)
}

func tlsJoinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}
