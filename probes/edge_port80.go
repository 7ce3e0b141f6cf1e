package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The port 80 checks: everything there redirects to HTTPS, except the ACME
// http-01 challenges Let's Encrypt must be able to fetch.

// redirectProbePath is what the redirect check asks for on port 80.
const redirectProbePath = "/kumoup-redirect-probe?check=1"

func checkHTTPRedirect(ctx context.Context, t *Target) Result {
	c, done := t.edgeClient()
	defer done()
	asked := "GET " + t.edgeOriginURL("http") + redirectProbePath
	resp, err := t.edgeFetchHTTP(ctx, c, redirectProbePath)
	if err != nil {
		return Fail(t.edgePort80Remedy(err), "%s: no answer: %v", asked, err)
	}
	return t.verdictHTTPRedirect(asked, redirectProbePath, resp)
}

// acmeChallengeDir is where certbot --webroot puts http-01 tokens.
const acmeChallengeDir = ".well-known/acme-challenge"

func checkACMEWebroot(ctx context.Context, t *Target) Result {
	if t.Deployment.ACMEWebroot == "" {
		return Skip("no ACME webroot in the deployment")
	}
	webroot := t.edgeACMEWebroot(ctx)
	if st, err := os.Stat(webroot); err != nil || !st.IsDir() {
		return Skip("ACME webroot %s is not a directory on this host", webroot)
	}
	name, content := acmeProbeName()
	cleanup, err := placeACMEProbe(webroot, name, content)
	defer cleanup()
	if err != nil {
		return Skip("could not place a probe file in %s (run as root): %v", webroot, err)
	}

	c, done := t.edgeClient()
	defer done()
	path := "/" + acmeChallengeDir + "/" + name
	asked := "GET " + t.edgeOriginURL("http") + "/" + acmeChallengeDir + "/<probe>"
	remedy := t.edgeRemedyACMELocation()
	resp, err := t.edgeFetchHTTP(ctx, c, path)
	if err != nil {
		return Fail(t.edgePort80Remedy(err), "%s: no answer: %v", asked, err)
	}
	switch {
	case resp.Status == http.StatusOK && strings.TrimSpace(string(resp.Body)) == content:
		return Pass("%s: 200 with the probe file placed in %s", asked, webroot)
	case resp.Status == http.StatusOK:
		return Fail(remedy, "%s: 200 but not the probe file placed in %s: nginx serves another directory", asked, webroot)
	case resp.Status >= 300 && resp.Status <= 399:
		return t.verdictACMERedirected(asked, resp)
	case resp.Status == http.StatusForbidden:
		return Fail(fmt.Sprintf("nginx's worker user cannot read %s: `chmod 755` it and every directory above it", webroot),
			"%s: 403", asked)
	default:
		return Fail(remedy, "%s: %d (expected 200 with the probe file placed in %s)", asked, resp.Status, webroot)
	}
}

func acmeProbeName() (name, content string) {
	return "kumoup-probe-" + randomHex(8), randomHex(16)
}

// placeACMEProbe writes webroot/.well-known/acme-challenge/name, readable by
// nginx's workers. cleanup removes the file and any directory it created;
// it is safe to call even when placing failed.
func placeACMEProbe(webroot, name, content string) (cleanup func(), err error) {
	var created []string
	file := ""
	cleanup = func() {
		if file != "" {
			os.Remove(file)
		}
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i])
		}
	}
	dir := webroot
	for _, part := range strings.Split(acmeChallengeDir, "/") {
		dir = filepath.Join(dir, part)
		err := os.Mkdir(dir, 0o755)
		switch {
		case err == nil:
			created = append(created, dir)
			if err := os.Chmod(dir, 0o755); err != nil {
				return cleanup, err
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return cleanup, err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return cleanup, err
	}
	file = f.Name()
	_, werr := f.WriteString(content)
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Chmod(file, 0o644)); err != nil {
		return cleanup, err
	}
	return cleanup, nil
}

// acmeRootRE finds the root of the ACME challenge location in a site file.
var acmeRootRE = regexp.MustCompile(`location\s+\^~\s+/\.well-known/acme-challenge/\s*\{[^}]*?\broot\s+([^;\s]+)\s*;`)

// acmeWebroot is the directory nginx serves challenges from: the root of
// the challenge location in the site file on disk when there is one (that
// is what nginx reads), else the deployment's webroot under the layout.
func (t *Target) edgeACMEWebroot(ctx context.Context) string {
	if site, err := t.readSiteFile(ctx); err == nil {
		if m := acmeRootRE.FindSubmatch(site); m != nil {
			return string(m[1])
		}
	}
	return t.Layout.Within(t.Deployment.ACMEWebroot)
}

// edgePort80Remedy is the fix when port 80 gave no HTTP answer: the
// transport's own fix when the name did not resolve or the answer was too
// slow, else the listen line Let's Encrypt needs.
func (t *Target) edgePort80Remedy(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) || errors.Is(err, context.DeadlineExceeded) {
		return t.edgeTransportRemedy(err)
	}
	return fmt.Sprintf("nginx must listen on port %d for %s (`listen 80;` in %s) and the firewall let tcp %d in from anywhere: Let's Encrypt needs it open", t.edgeHTTPPort(), t.Deployment.Domain, t.edgeSiteFile(), t.edgeHTTPPort())
}
