package probes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// edgeDefaultServerReturn matches the answer of the default 443 server
// kumoup writes (its HSTS header, type and return 404): the first such
// block in the site file.
const edgeDefaultServerReturn = `\n\n    add_header Strict-Transport-Security "max-age=\d+" always;\n    default_type application/json;\n    return 404 '\{"error":"not found"\}\\n';\n\}`

// TestEdgeWrongHostAgainstRealNginx: the right SNI with another Host header
// reaches the default 443 server. kumoup's (404 with HSTS) and one that
// closes the connection (444) pass; one without a return serves nginx's
// html root (Debian's welcome page) and fails.
func TestEdgeWrongHostAgainstRealNginx(t *testing.T) {
	cases := []struct {
		name      string
		mutate    loopback.Mutation
		status    Status
		fragments []string
	}{
		{"kumoup's default server answers 404", nil, StatusPass, []string{"/: 404, /metrics: 404, /api/admin/bounce/v1: 404"}},
		{"the default server closes the connection (444)", edgeSiteEdit(`return 404 '\{"error":"not found"\}\\n';\n\}`, "return 444;\n}"),
			StatusPass, []string{"/: closed, /metrics: closed"}},
		{"the default server has no return: nginx serves its html root", edgeSiteEdit(edgeDefaultServerReturn, "\n}"),
			StatusFail, []string{"content for a name this host does not serve", "/: 200", "return 404;", "ssl_reject_handshake"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			site := edgeSite(t, loopback.Config{Mutate: tc.mutate})
			// nginx's compiled-in root under the prefix, as Debian's
			// /usr/share/nginx/html with its welcome page.
			html := filepath.Join(site.NginxPrefix, "html")
			if err := os.MkdirAll(html, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(html, "index.html"), []byte(loopback.DebianWelcome), 0o644); err != nil {
				t.Fatal(err)
			}
			got := edgeRun(t, edgeTarget(site), "edge.host.unknown")
			edgeWant(t, got, "edge.host.unknown", tc.status, tc.fragments...)
			for _, r := range site.Kumod.Requests() {
				t.Errorf("kumod received %s %s: a wrong Host reached it", r.Method, r.Path)
			}
		})
	}
}
