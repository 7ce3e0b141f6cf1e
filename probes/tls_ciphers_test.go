package probes

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

// The ssl_ciphers lines tls.ciphers is judged on, with testssl.sh as the
// outside judge.
const (
	// tlsSeedCiphers is the deployment guide's own line.
	tlsSeedCiphers = "HIGH:!aNULL:!MD5"
	// tlsWeakCiphers has RSA key exchange (with CBC and with GCM) and
	// ECDHE with CBC.
	tlsWeakCiphers = "AES128-SHA:AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"
)

// testsslBadCategories are the testssl.sh -s cipher categories that are
// not AEAD: offering any of them fails tls.ciphers.
var testsslBadCategories = []string{"cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"}

// TestTLSCiphersAgreesWithTestssl serves three ssl_ciphers lines from real
// nginx with an RSA certificate (so RSA key exchange is possible) and
// checks that tls.ciphers gives the verdict testssl.sh gives: its standard
// cipher categories (-s: CBC is "obsolete") and its forward secrecy list
// (-f), suite by suite for the suites crypto/tls can offer.
func TestTLSCiphersAgreesWithTestssl(t *testing.T) {
	cases := []struct {
		name, list string
		want       Status
		weak       []string // fragments of tls.ciphers' detail
	}{
		{"the guide's HIGH list", tlsSeedCiphers, StatusFail, []string{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (not AEAD)"}},
		{"Mozilla intermediate", tlsMozillaIntermediate, StatusPass, []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}},
		{"RSA key exchange and CBC", tlsWeakCiphers, StatusFail, []string{
			"TLS_RSA_WITH_AES_128_CBC_SHA (not AEAD, no forward secrecy)",
			"TLS_RSA_WITH_AES_256_GCM_SHA384 (no forward secrecy)",
			"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (not AEAD)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := edgeSite(t, loopback.Config{Certificate: loopback.CertRSA, Mutate: tlsCiphersEdit(tc.list)})
			target := edgeTarget(site)
			got := edgeRun(t, target, "tls.ciphers")["tls.ciphers"]
			wantResult(t, got, tc.want, tc.weak...)

			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
			defer cancel()
			// --ssl-native: OpenSSL's own handshakes, several times faster
			// than testssl.sh's bash sockets for the same verdicts on
			// these suites.
			judge := runTestssl(t, ctx, site, "-s", "-f", "--ssl-native")
			var bad []string
			for _, id := range testsslBadCategories {
				if f, ok := judge[id]; ok && strings.HasPrefix(f.Finding, "offered") {
					bad = append(bad, id)
				}
			}
			// testssl.sh names suites as OpenSSL does; OpenSSL maps them.
			iana := opensslStandardNames(t)
			var fs []string
			for _, name := range strings.Fields(judge["PFS_ciphers"].Finding) {
				fs = append(fs, iana[name])
			}
			if len(fs) == 0 {
				t.Fatalf("testssl.sh found no forward secret suite: %+v", judge)
			}
			accepted, err := target.tlsAcceptedSuites12(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range accepted {
				if !s.AEAD && len(bad) == 0 {
					t.Errorf("kumoup: %s is not AEAD; testssl.sh offers no non-AEAD category", s.Name)
				}
				if in := slices.Contains(fs, s.Name); in != s.ForwardSecret {
					t.Errorf("%s: kumoup says forward secret %v, testssl.sh's forward secrecy list has it: %v (%v)", s.Name, s.ForwardSecret, in, fs)
				}
			}
			for _, s := range tlsSuites12() {
				if slices.Contains(fs, s.Name) && !slices.ContainsFunc(accepted, func(a tlsSuite12) bool { return a.ID == s.ID }) {
					t.Errorf("testssl.sh found %s offered, kumoup did not", s.Name)
				}
			}
			testsslFails := len(bad) > 0 || slices.ContainsFunc(accepted, func(s tlsSuite12) bool { return !slices.Contains(fs, s.Name) })
			if kumoupFails := got.Status == StatusFail; kumoupFails != testsslFails {
				t.Errorf("tls.ciphers %s; testssl.sh offered categories %v, forward secret %v", got.Status, bad, fs)
			}
		})
	}
}
