package writer

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// Paths of the reverse SMTP proxy.
const (
	// SMTPProxyPath is the mail {} block, for nginx's main context.
	SMTPProxyPath = "/etc/nginx/kumoup-mail.conf"
	// SMTPProxyAuthName is the auth_http endpoint's file in conf.d.
	SMTPProxyAuthName = "kumoup-mail-auth.conf"
	// SMTPProxyAuthPath is the URI nginx's mail module asks.
	SMTPProxyAuthPath = "/kumoup-smtp-auth"
	// MailModulePath is Debian's nginx mail module (libnginx-mod-mail).
	MailModulePath = "/usr/lib/nginx/modules/ngx_mail_module.so"
)

// SMTPProxyFile is the mail {} file under the root.
func (l Layout) SMTPProxyFile() string { return l.Path(SMTPProxyPath) }

// SMTPProxyAuthFile is the auth_http endpoint's conf.d file under the root.
func (l Layout) SMTPProxyAuthFile() string {
	return l.Path(filepath.Join(NginxConfDir, SMTPProxyAuthName))
}

// SMTPProxyInclude is the line to add at the top level of nginx.conf.
func (l Layout) SMTPProxyInclude() string { return "include " + l.SMTPProxyFile() + ";" }

// RenderSMTPProxy returns the reverse SMTP proxy's two files when
// d.SMTPProxy.Enabled (none otherwise): the mail {} block, included from
// nginx.conf's main context, and the static auth_http endpoint in conf.d.
// opt.ListenAddrs, when set, replaces the listen address (tests).
func RenderSMTPProxy(d model.Deployment, opt Options) ([]File, error) {
	s := d.SMTPProxy
	if !s.Enabled {
		return nil, nil
	}
	if err := d.Validate().Err(); err != nil {
		return nil, fmt.Errorf("render smtp proxy: %w", err)
	}
	l := opt.Layout
	be := netip.MustParseAddrPort(s.Backend)
	var listen []string
	switch a := s.ListenAddr(); {
	case len(opt.ListenAddrs) > 0:
		listen = listens(opt.ListenAddrs, s.ListenPort())
	case a.IsValid():
		listen = []string{netip.AddrPortFrom(a, uint16(s.ListenPort())).String()}
	default:
		listen = listens(nil, s.ListenPort())
	}
	data := map[string]any{
		"Path":           l.SMTPProxyFile(),
		"MailFile":       l.SMTPProxyFile(),
		"AuthFile":       l.SMTPProxyAuthFile(),
		"Domain":         d.Domain,
		"Backend":        s.Backend,
		"BackendAddr":    be.Addr().Unmap().String(),
		"BackendPort":    be.Port(),
		"AuthPort":       s.AuthPortOrDefault(),
		"AuthPath":       SMTPProxyAuthPath,
		"Capabilities":   s.CapabilitiesOrDefault(),
		"XClient":        s.XClient,
		"STARTTLS":       s.STARTTLS,
		"Certificate":    d.TLSCertificate,
		"CertificateKey": d.TLSCertificateKey,
		"Listen":         listen,
	}
	mail, err := execute("mail.conf.tmpl", data)
	if err != nil {
		return nil, err
	}
	auth, err := execute("mail-auth.conf.tmpl", data)
	if err != nil {
		return nil, err
	}
	return inLayout(l, []File{
		{Name: "nginx reverse SMTP proxy (mail {})", Path: l.SMTPProxyFile(), Mode: 0o644, Content: mail},
		{Name: "nginx SMTP proxy auth endpoint", Path: l.SMTPProxyAuthFile(), Mode: 0o644, Content: auth},
	}), nil
}

// MailModuleLoader returns the file under the root's
// /etc/nginx/modules-enabled that loads nginx's mail module (Debian's
// libnginx-mod-mail installs 50-mod-mail.conf), or "" when none does: then
// nginx.conf needs `load_module` + MailModulePath.
func MailModuleLoader(l Layout) string {
	matches, _ := filepath.Glob(l.Path("/etc/nginx/modules-enabled/*.conf"))
	for _, m := range matches {
		b, err := fsread.Read(context.Background(), m, fsread.ConfigLimit)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "load_module") && strings.Contains(line, "ngx_mail_module.so") {
				return m
			}
		}
	}
	return ""
}
