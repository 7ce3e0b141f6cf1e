package probes

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

// testsslOldProtocols are testssl.sh's -p findings for the protocols
// tls.protocols wants refused.
var testsslOldProtocols = []string{"SSLv2", "SSLv3", "TLS1", "TLS1_1"}

// testsslOffered reports whether testssl.sh's finding for a protocol says
// it is offered ("offered", "offered with final", ...; not "not offered").
func testsslOffered(t *testing.T, judge map[string]testsslFinding, id string) bool {
	t.Helper()
	f, ok := judge[id]
	if !ok {
		t.Fatalf("testssl.sh gave no %s finding: %+v", id, judge)
	}
	return strings.HasPrefix(f.Finding, "offered")
}

// testsslProtocolsVerdict is tls.protocols' rule applied to testssl.sh's
// -p findings: any of SSLv2 to TLS 1.1 offered, or TLS 1.2 not offered,
// fails; TLS 1.3 not offered warns.
func testsslProtocolsVerdict(t *testing.T, judge map[string]testsslFinding) Status {
	t.Helper()
	for _, id := range testsslOldProtocols {
		if testsslOffered(t, judge, id) {
			return StatusFail
		}
	}
	if !testsslOffered(t, judge, "TLS1_2") {
		return StatusFail
	}
	if !testsslOffered(t, judge, "TLS1_3") {
		return StatusWarn
	}
	return StatusPass
}

// testsslFindingOf is the finding id, failing the test when testssl.sh
// did not report it.
func testsslFindingOf(t *testing.T, judge map[string]testsslFinding, id string) testsslFinding {
	t.Helper()
	f, ok := judge[id]
	if !ok {
		t.Fatalf("testssl.sh gave no %s finding: %+v", id, judge)
	}
	return f
}

// TestTLSCertificateAndProtocolsAgreeWithTestssl serves four certificates
// from real nginx on loopback (valid, for another name, self-signed,
// expired) and a valid one with TLS 1.0 and 1.1 enabled, runs testssl.sh once per site with its protocol (-p) and
// server defaults (-S) sections, trusting the site's CA (--add-ca), and
// checks that tls.protocols, tls.certificate.name, tls.certificate.chain
// and tls.certificate.expiry give the verdicts testssl.sh's findings give
// for the same things.
func TestTLSCertificateAndProtocolsAgreeWithTestssl(t *testing.T) {
	cases := []struct {
		name string
		cfg  loopback.Config
	}{
		{"valid certificate", loopback.Config{}},
		{"certificate for another name", loopback.Config{Certificate: loopback.CertWrongName}},
		{"self-signed certificate", loopback.Config{Certificate: loopback.CertSelfSigned}},
		{"expired certificate", loopback.Config{Certificate: loopback.CertExpired}},
		{"TLS 1.0 and 1.1 enabled", loopback.Config{Mutate: loopback.BreakLegacyTLS}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := edgeSite(t, tc.cfg)
			got := edgeRun(t, edgeTarget(site), "tls.protocols", tlsNameID, tlsChainID, tlsExpiryID)

			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
			defer cancel()
			judge := runTestssl(t, ctx, site, "-p", "-S", "--add-ca", site.CAFile)

			// Protocols: SSLv2, SSLv3, TLS1 and TLS1_1 not offered, TLS1_2
			// and TLS1_3 offered.
			if want := testsslProtocolsVerdict(t, judge); got["tls.protocols"].Status != want {
				t.Errorf("tls.protocols %s (%s); testssl.sh's protocols say %s: %v", got["tls.protocols"].Status, got["tls.protocols"].Detail, want, testsslProtocolFindings(judge))
			}

			// Name: cert_trust is OK when the name the scan asked for
			// (the deployment's, by SNI) is on the certificate.
			trust := testsslFindingOf(t, judge, "cert_trust")
			if want := testsslStatus(trust.Severity == "OK"); got[tlsNameID].Status != want {
				t.Errorf("%s %s (%s); testssl.sh's cert_trust: %s %q", tlsNameID, got[tlsNameID].Status, got[tlsNameID].Detail, trust.Severity, trust.Finding)
			}

			// Expiry: cert_expirationStatus is "expired" (CRITICAL) or OK
			// for these certificates.
			exp := testsslFindingOf(t, judge, "cert_expirationStatus")
			var wantExpiry Status
			switch {
			case exp.Finding == "expired":
				wantExpiry = StatusFail
			case exp.Severity == "OK":
				wantExpiry = StatusPass
			default:
				t.Fatalf("testssl.sh's cert_expirationStatus is neither OK nor expired: %s %q", exp.Severity, exp.Finding)
			}
			if got[tlsExpiryID].Status != wantExpiry {
				t.Errorf("%s %s (%s); testssl.sh's cert_expirationStatus: %s %q", tlsExpiryID, got[tlsExpiryID].Status, got[tlsExpiryID].Detail, exp.Severity, exp.Finding)
			}

			// Chain: cert_chain_of_trust is "passed." or "failed (why).".
			// testssl.sh counts an expired certificate against the chain
			// too; kumoup leaves the dates to tls.certificate.expiry (one
			// failure, not two), so a chain failed for expiry alone is a
			// chain that verifies.
			chain := testsslFindingOf(t, judge, "cert_chain_of_trust")
			chainOK := strings.HasPrefix(chain.Finding, "passed")
			if !chainOK && !strings.HasPrefix(chain.Finding, "failed") {
				t.Fatalf("testssl.sh's cert_chain_of_trust is neither passed nor failed: %s %q", chain.Severity, chain.Finding)
			}
			if strings.TrimSuffix(chain.Finding, ".") == "failed (expired)" {
				if wantExpiry != StatusFail {
					t.Errorf("testssl.sh's chain failed as expired, its cert_expirationStatus says %q", exp.Finding)
				}
				chainOK = true
			}
			if want := testsslStatus(chainOK); got[tlsChainID].Status != want {
				t.Errorf("%s %s (%s); testssl.sh's cert_chain_of_trust: %s %q", tlsChainID, got[tlsChainID].Status, got[tlsChainID].Detail, chain.Severity, chain.Finding)
			}
			t.Logf("testssl.sh: cert_trust %q, cert_expirationStatus %q, cert_chain_of_trust %q, %v", trust.Finding, exp.Finding, chain.Finding, testsslProtocolFindings(judge))
		})
	}
}

// testsslStatus is StatusPass when ok, else StatusFail.
func testsslStatus(ok bool) Status {
	if ok {
		return StatusPass
	}
	return StatusFail
}

// testsslProtocolFindings lists testssl.sh's protocol findings for a
// failure message.
func testsslProtocolFindings(judge map[string]testsslFinding) []string {
	var out []string
	for _, id := range append(testsslOldProtocols, "TLS1_2", "TLS1_3") {
		out = append(out, id+": "+judge[id].Finding)
	}
	return out
}
