package writer

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
	"time"

	"github.com/kumoup/kumoup/model"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.tmpl"))

// Owner of every file kumoup writes.
const (
	RootUID = 0
	RootGID = 0
)

// File is one rendered file: where it goes, its mode, and its content.
type File struct {
	// Name says what the file is for ("environment file", "nginx site", ...).
	Name string
	// Path is the absolute path, under the layout's root.
	Path string
	// Mode is the final permission bits.
	Mode fs.FileMode
	// DirMode, when non-zero, is enforced on the file's directory (the
	// token directory is 0700).
	DirMode fs.FileMode
	// Root is the root of the layout the file is written under ("" for
	// the host): every directory between it and the file is walked
	// without following symlinks, and the apply lock lives there.
	Root string
	// UID and GID own the file (root:root), applied when running as root.
	UID, GID int
	// Content is the rendered text.
	Content []byte
	// Secrets are values inside Content that must be masked wherever the
	// content is shown (plans, diffs, logs).
	Secrets []string
}

// Sensitive reports whether the file holds a secret.
func (f File) Sensitive() bool { return len(f.Secrets) > 0 }

// Options tune rendering. The zero value renders for a real host.
type Options struct {
	// Layout places the files (and the paths referenced inside them).
	Layout Layout
	// ListenAddrs are the addresses nginx listens on; empty means all IPv4
	// and IPv6 addresses. Tests use 127.0.0.1.
	ListenAddrs []string
	// HTTPSPort and HTTPPort default to 443 and 80.
	HTTPSPort, HTTPPort int
	// Kumod is the installed kumod's version (DetectKumod); the zero value
	// renders for current releases.
	Kumod model.KumoVersion
	// Nginx is the installed nginx's version (DetectNginx): from 1.25.1
	// HTTP/2 is enabled with `http2 on;`; the zero value renders the
	// `listen ... http2` form every supported release accepts.
	Nginx NginxVersion
	// HTTPOnly renders the bootstrap site: port 80 only (the ACME location
	// and the redirect), no 443 server, so that nginx accepts it before the
	// certificate exists (see CertificateMissing).
	HTTPOnly bool
}

// HSTSMaxAge is the Strict-Transport-Security max-age kumoup sends (two
// years, Mozilla's recommendation; the deployment guide's minimum is one).
const HSTSMaxAge = 63072000

// Render returns every file for d, which must validate (see model.Deployment.Validate).
func Render(d model.Deployment, opt Options) ([]File, error) {
	if err := d.Validate().Err(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	l := opt.Layout
	site, err := renderSite(d, opt)
	if err != nil {
		return nil, err
	}
	tokens, err := execute("tokens.tmpl", map[string]any{
		"Domain":         d.Domain,
		"SiteFile":       l.SiteFile(d.Domain),
		"InjectionToken": d.InjectionToken,
		"Retired":        d.RetiredInjectionToken,
		"RetiredAt":      d.RetiredAt.UTC().Format(time.RFC3339),
		"RetiredUntil":   d.RetiredUntil().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return nil, err
	}
	env, err := execute("kumomta.env.tmpl", map[string]any{
		"Vars":      d.Env(),
		"DropIn":    l.SystemdDropIn(),
		"LuaModule": l.LuaModule(),
	})
	if err != nil {
		return nil, err
	}
	dropin, err := execute("dropin.conf.tmpl", map[string]any{"EnvFile": l.EnvFile()})
	if err != nil {
		return nil, err
	}
	lua, err := renderLua(d, opt)
	if err != nil {
		return nil, err
	}
	answers, err := model.MarshalAnswers(d)
	if err != nil {
		return nil, err
	}
	answers = append([]byte("# Managed by kumoup: the non-secret answers of this deployment.\n# Secrets live in "+l.EnvFile()+" and "+l.TokenFile(d.Domain)+".\n"), answers...)
	smtp, err := RenderSMTPProxy(d, opt)
	if err != nil {
		return nil, err
	}
	return inLayout(l, append([]File{
		{Name: "environment file", Path: l.EnvFile(), Mode: 0o600, Content: env, Secrets: []string{d.WebhookToken}},
		{Name: "nginx token include", Path: l.TokenFile(d.Domain), Mode: 0o600, DirMode: 0o700, Content: tokens, Secrets: nonEmpty(d.InjectionToken, d.RetiredInjectionToken)},
		{Name: "nginx site", Path: l.SiteFile(d.Domain), Mode: 0o644, Content: site},
		{Name: "KumoMTA policy module", Path: l.LuaModule(), Mode: 0o644, Content: lua},
		{Name: "systemd drop-in", Path: l.SystemdDropIn(), Mode: 0o644, Content: dropin},
		{Name: "kumoup answers", Path: l.AnswersFile(), Mode: 0o644, Content: answers},
	}, smtp...)), nil
}

// inLayout records l's root in each file (see File.Root).
func inLayout(l Layout, files []File) []File {
	for i := range files {
		files[i].Root = l.Root
	}
	return files
}

type location struct{ Path string }

func renderSite(d model.Deployment, opt Options) ([]byte, error) {
	httpsPort, httpPort := orDefault(opt.HTTPSPort, 443), orDefault(opt.HTTPPort, 80)
	redirect := "https://" + d.Domain
	if httpsPort != 443 {
		redirect = fmt.Sprintf("https://%s:%d", d.Domain, httpsPort)
	}
	return execute("site.conf.tmpl", map[string]any{
		"Domain":         d.Domain,
		"TokenFile":      opt.Layout.TokenFile(d.Domain),
		"LuaModule":      opt.Layout.LuaModule(),
		"AuthVar":        "$kumoup_auth_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToLower(d.Domain)),
		"HTTPSListen":    listens(opt.ListenAddrs, httpsPort),
		"HTTPListen":     listens(opt.ListenAddrs, httpPort),
		"Certificate":    d.TLSCertificate,
		"CertificateKey": d.TLSCertificateKey,
		"HSTSMaxAge":     HSTSMaxAge,
		"MaxBody":        d.MaxBody,
		"Upstream":       d.Listener,
		"Locations":      []location{{model.InjectionPath}, {model.MetricsPath}},
		"ACMEWebroot":    d.ACMEWebroot,
		"RedirectBase":   redirect,
		"HTTPOnly":       opt.HTTPOnly,
		"HTTP2Directive": opt.Nginx.HTTP2Directive(),
	})
}

func listens(addrs []string, port int) []string {
	if len(addrs) == 0 {
		return []string{fmt.Sprint(port), fmt.Sprintf("[::]:%d", port)}
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		if strings.Contains(a, ":") && !strings.HasPrefix(a, "[") {
			a = "[" + a + "]"
		}
		out[i] = fmt.Sprintf("%s:%d", a, port)
	}
	return out
}

// nonEmpty is the given strings without the empty ones.
func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func execute(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}
