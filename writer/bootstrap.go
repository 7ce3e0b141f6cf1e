package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// CertificateMissing lists which of d's certificate and key files do not
// exist (their paths, as nginx reads them). When the list is not empty the
// site is rendered HTTP only (Options.HTTPOnly): a 443 server naming a
// missing file fails `nginx -t`, and nginx could then not serve the very
// ACME challenge that obtains the certificate. A file that exists but
// cannot be read here counts as present: nginx -t then names the problem.
func CertificateMissing(d model.Deployment) []string {
	var missing []string
	for _, p := range []string{d.TLSCertificate, d.TLSCertificateKey} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, p)
		}
	}
	return missing
}

// HTTPOnlyNote is what the plan, the review and apply say when the site is
// rendered without its 443 server.
const HTTPOnlyNote = "HTTP only until the certificate exists"

// CertbotConfigDir is certbot's --config-dir that puts d's certificate and
// key where the deployment names them (DIR/live/NAME/fullchain.pem and
// privkey.pem, NAME lower-case as certbot writes it): /etc/letsencrypt on
// a host with the default paths. ok is false when the paths are not
// certbot's (a certificate from the operator's own CA): certbot cannot
// obtain or renew it there.
func CertbotConfigDir(d model.Deployment) (dir string, ok bool) {
	if d.Domain == "" || !filepath.IsAbs(d.TLSCertificate) {
		return "", false
	}
	live := filepath.Dir(d.TLSCertificate)
	dir = filepath.Dir(filepath.Dir(live))
	name := strings.ToLower(d.Domain)
	if filepath.Base(filepath.Dir(live)) != "live" || filepath.Base(live) != name ||
		d.TLSCertificate != filepath.Join(live, "fullchain.pem") || d.TLSCertificateKey != filepath.Join(live, "privkey.pem") {
		return "", false
	}
	return dir, true
}

// DeployHookName is the file kumoup writes in certbot's
// renewal-hooks/deploy directory.
const DeployHookName = "kumoup-reload-nginx"

// DefaultReloadCommand is what the deploy hook runs on a host.
const DefaultReloadCommand = "nginx -t -q && systemctl reload nginx"

// DeployHookPath is the deploy hook's path under certbot's config dir.
func DeployHookPath(configDir string) string {
	return filepath.Join(configDir, "renewal-hooks", "deploy", DeployHookName)
}

// RenderDeployHook is the certbot deploy hook (0755) that reloads nginx
// after every renewal, so that it serves the new certificate. reload is
// the shell command (DefaultReloadCommand when empty).
func RenderDeployHook(configDir, reload string) (File, error) {
	if reload == "" {
		reload = DefaultReloadCommand
	}
	if strings.ContainsAny(reload, "\n\r") {
		return File{}, fmt.Errorf("deploy hook: the reload command %q spans lines: give one shell command", reload)
	}
	content, err := execute("deploy-hook.sh.tmpl", map[string]any{"Reload": reload})
	if err != nil {
		return File{}, err
	}
	return File{Name: "certbot deploy hook", Path: DeployHookPath(configDir), Mode: 0o755, UID: RootUID, GID: RootGID, Content: content}, nil
}
