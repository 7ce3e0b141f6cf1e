package loopback

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// Mutation is the type of Config.Mutate: it sees a file's path and content
// before it is written and returns the content to write.
type Mutation = func(path string, content []byte) []byte

// Chain applies mutations in order.
func Chain(ms ...Mutation) Mutation {
	return func(path string, content []byte) []byte {
		for _, m := range ms {
			content = m(path, content)
		}
		return content
	}
}

// The Break* mutations each reproduce one real mistake in the rendered
// configuration, for tests of the checks that must catch it. Each one
// panics (and Start turns the panic into an error) when the text it
// changes is not in the file, so a template change cannot make a failure
// test pass vacuously.
var (
	// BreakNoAuth removes the bearer check: /api/inject/v1 and /metrics
	// are proxied without a token.
	BreakNoAuth Mutation = siteEdit("BreakNoAuth", func(s string) (string, bool) {
		out := authIf.ReplaceAllString(s, "")
		return out, out != s
	})
	// BreakForwardAuthorization stops clearing the Authorization header,
	// so kumod sees the bearer token (and answers 401).
	BreakForwardAuthorization Mutation = siteEdit("BreakForwardAuthorization", func(s string) (string, bool) {
		out := clearAuth.ReplaceAllString(s, "")
		return out, out != s
	})
	// BreakMetricsPublic removes the bearer check from /metrics only.
	BreakMetricsPublic Mutation = siteEdit("BreakMetricsPublic", func(s string) (string, bool) {
		i := strings.Index(s, "location = /metrics {")
		if i < 0 {
			return s, false
		}
		loc := authIf.FindStringIndex(s[i:])
		if loc == nil {
			return s, false
		}
		return s[:i+loc[0]] + s[i+loc[1]:], true
	})
	// BreakAdminProxied proxies /api/admin/ to kumod, without auth.
	BreakAdminProxied Mutation = siteEdit("BreakAdminProxied", func(s string) (string, bool) {
		m := upstream.FindStringSubmatch(s)
		i := strings.Index(s, "    location / {")
		if m == nil || i < 0 {
			return s, false
		}
		admin := "    location /api/admin/ {\n        proxy_pass http://" + m[1] + ";\n    }\n\n"
		return s[:i] + admin + s[i:], true
	})
	// BreakNoHSTS removes every Strict-Transport-Security header.
	BreakNoHSTS Mutation = siteEdit("BreakNoHSTS", func(s string) (string, bool) {
		out := hsts.ReplaceAllString(s, "")
		return out, out != s
	})
	// BreakCaseInsensitiveToken turns the token's regex key into a plain
	// map key, which nginx compares case-insensitively.
	BreakCaseInsensitiveToken Mutation = func(path string, content []byte) []byte {
		if !isTokenFile(path) {
			return content
		}
		out := regexKey.ReplaceAllString(string(content), `"Bearer $1"`)
		if out == string(content) {
			panic(fmt.Sprintf("loopback: BreakCaseInsensitiveToken: no regex token key in %s: the token template changed", path))
		}
		return []byte(out)
	}
	// BreakLegacyTLS enables TLS 1.0 and 1.1 with the deployment guide's
	// cipher string, at OpenSSL security level 0 (OpenSSL 3 refuses TLS
	// 1.0/1.1 handshakes at its default level 1 even when the protocols
	// are listed).
	BreakLegacyTLS Mutation = siteEdit("BreakLegacyTLS", func(s string) (string, bool) {
		out := protocols.ReplaceAllString(s, "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;")
		out = ciphers.ReplaceAllString(out, "ssl_ciphers HIGH:!aNULL:!MD5:@SECLEVEL=0;")
		return out, out != s
	})
)

// BreakClientMaxBodySize sets nginx's client_max_body_size to size (nginx
// syntax, like "1m"), so it no longer matches kumod's request_body_limit.
func BreakClientMaxBodySize(size string) Mutation {
	return siteEdit("BreakClientMaxBodySize", func(s string) (string, bool) {
		out := maxBody.ReplaceAllString(s, "client_max_body_size "+size+";")
		return out, out != s
	})
}

var (
	authIf    = regexp.MustCompile(`(?s)\n[ \t]*if \(\$kumoup_auth_\w+ = 0\) \{.*?return 401 [^\n]*\n[ \t]*\}`)
	clearAuth = regexp.MustCompile(`\n[ \t]*proxy_set_header Authorization "";`)
	upstream  = regexp.MustCompile(`proxy_pass http://([^/;\s]+)`)
	hsts      = regexp.MustCompile(`\n[ \t]*add_header Strict-Transport-Security [^\n]*`)
	regexKey  = regexp.MustCompile(`"~\^Bearer \\Q(.*?)\\E\$"`)
	protocols = regexp.MustCompile(`ssl_protocols [^;]*;`)
	ciphers   = regexp.MustCompile(`ssl_ciphers [^;]*;`)
	maxBody   = regexp.MustCompile(`client_max_body_size [^;]*;`)
)

func isSiteFile(path string) bool {
	return filepath.Dir(path) == filepath.Join(rootOf(path), writer.NginxConfDir) && strings.HasSuffix(path, ".conf")
}

func isTokenFile(path string) bool {
	return strings.HasSuffix(filepath.Dir(path), writer.TokenDir) && strings.HasSuffix(path, ".tokens")
}

// rootOf returns the layout root of a path under .../etc/nginx/conf.d/.
func rootOf(path string) string {
	dir := filepath.Dir(path)
	if r, ok := strings.CutSuffix(dir, writer.NginxConfDir); ok {
		return r
	}
	return ""
}

func siteEdit(name string, edit func(string) (string, bool)) Mutation {
	return func(path string, content []byte) []byte {
		if !isSiteFile(path) {
			return content
		}
		out, ok := edit(string(content))
		if !ok {
			panic(fmt.Sprintf("loopback: %s: the text it changes is not in %s: the site template changed", name, path))
		}
		return []byte(out)
	}
}
