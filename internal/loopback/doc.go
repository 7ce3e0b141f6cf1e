// Package loopback runs a whole kumoup deployment on loopback, for tests
// and for `kumoup demo`: kumoup's rendered files under a directory of its
// own, a real nginx on 127.0.0.1 high ports with every path in its own
// prefix, a certificate from a throwaway CA, and a stand-in kumod
// (package standin) behind it.
//
// It does not depend on package testing; tests wrap it:
//
//	site, err := loopback.Start(ctx, loopback.Config{Dir: t.TempDir()})
//	if err != nil { t.Fatal(err) }
//	t.Cleanup(func() { site.Stop() })
//	resp, err := site.Client().Get(site.URL("/metrics"))
//
// The nginx configuration wraps the site file the way Debian's nginx.conf
// does (including its permissive http-level ssl_protocols), so what is
// tested is what a Debian host runs. When the tests run as root, nginx
// workers run as nobody: Start makes the site's directories traversable.
//
// [Site.Reload] makes the running nginx serve another deployment (a new
// name, token or body limit) as `nginx -t && systemctl reload nginx` does:
// same master, same ports, HUP, and it returns once the previous
// configuration's workers are gone.
//
// Several sites may run at once (distinct ports and prefixes). Every process
// Start runs stops on Stop and when its context is done; nginx also gets
// SIGTERM if the process that started it dies.
//
// Certificates: [NewCA] and [CA.Issue] make ECDSA P-256 certificates;
// Config.Certificate picks a valid, expired, expiring or wrong-name one.
//
// Broken configurations: Config.Mutate sees every file before it is
// written. The Break* mutations ([BreakNoAuth], [BreakForwardAuthorization],
// [BreakMetricsPublic], [BreakAdminProxied], [BreakNoHSTS],
// [BreakCaseInsensitiveToken], [BreakLegacyTLS], [BreakClientMaxBodySize])
// each reproduce one real mistake, for tests of the checks that catch it;
// [Chain] combines them.
//
// Note for TLS checks: OpenSSL 3.0 (Debian 12) refuses TLS 1.0 and 1.1
// handshakes at its default security level even when nginx lists those
// protocols, so [BreakLegacyTLS] also lowers the level to 0.
package loopback
