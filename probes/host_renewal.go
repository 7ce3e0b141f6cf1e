package probes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/writer"
)

// renewalChecks follow the host family: certbot renews the certificate on
// its own, and nginx is reloaded afterwards.
var renewalChecks = []Check{
	{ID: "host.certificate.renewal", Title: "The certificate renews on its own and nginx reloads", Run: checkRenewal},
}

// Where Debian's certbot package schedules renewals: a systemd timer
// (enabled by the package), and a cron job that runs only without systemd.
const (
	certbotTimerLink = "/etc/systemd/system/timers.target.wants/certbot.timer"
	certbotCronFile  = "/etc/cron.d/certbot"
)

// reloadsNginx reports whether a hook's text reloads (or restarts) nginx.
func reloadsNginx(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.Contains(l, "nginx") && (strings.Contains(l, "reload") || strings.Contains(l, "restart") || strings.Contains(l, "HUP")) {
			return true
		}
	}
	return false
}

// renewalHook finds what reloads nginx after a renewal: an executable in
// DIR/renewal-hooks/deploy, or a renew_hook (certbot --deploy-hook) in
// the certificate's renewal configuration.
func renewalHook(ctx context.Context, configDir, domain string) (string, bool) {
	dir := filepath.Join(configDir, "renewal-hooks", "deploy")
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			fi, err := os.Lstat(p)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o100 == 0 {
				continue
			}
			if data, err := fsread.Read(ctx, p, fsread.ConfigLimit); err == nil && reloadsNginx(string(data)) {
				return p, true
			}
		}
	}
	conf := filepath.Join(configDir, "renewal", strings.ToLower(domain)+".conf")
	if data, err := fsread.Read(ctx, conf, fsread.ConfigLimit); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(l, "=")
			if ok && strings.TrimSpace(k) == "renew_hook" && reloadsNginx(v) {
				return conf + " (renew_hook)", true
			}
		}
	}
	return "", false
}

// renewalScheduler finds what runs `certbot renew`: the enabled timer or
// the cron job, under the layout's root.
func (t *Target) renewalScheduler() (string, bool) {
	for _, p := range []string{certbotTimerLink, certbotCronFile} {
		if _, err := os.Stat(t.Layout.Path(p)); err == nil {
			return t.Layout.Path(p), true
		}
	}
	return "", false
}

func checkRenewal(ctx context.Context, t *Target) Result {
	d := t.Deployment
	configDir, ok := writer.CertbotConfigDir(d)
	if !ok {
		return Skip("the certificate %s is not certbot's: renew it the way it was issued, then `systemctl reload nginx`", d.TLSCertificate)
	}
	if len(writer.CertificateMissing(d)) > 0 {
		return Skip("waits for the certificate (see tls.certificate.obtained)")
	}
	sched, schedOK := t.renewalScheduler()
	hook, hookOK := renewalHook(ctx, configDir, d.Domain)
	hookPath := writer.DeployHookPath(configDir)
	hookFix := fmt.Sprintf("`%s` writes %s (0755), which runs `%s` after each renewal", writer.CertCommand(t.Layout), hookPath, writer.DefaultReloadCommand)
	schedFix := "`systemctl enable --now certbot.timer` (Debian's certbot package installs it; `apt-get install -y certbot` if it is missing)"
	switch {
	case !schedOK && !hookOK:
		return Fail(schedFix+"; and "+hookFix, "nothing runs `certbot renew` (no %s, no %s) and no deploy hook reloads nginx", t.Layout.Path(certbotTimerLink), t.Layout.Path(certbotCronFile))
	case !schedOK:
		return Fail(schedFix, "nothing runs `certbot renew`: no %s and no %s; the certificate expires in 90 days at most", t.Layout.Path(certbotTimerLink), t.Layout.Path(certbotCronFile))
	case !hookOK:
		return Fail(hookFix, "%s renews the certificate, but no deploy hook in %s reloads nginx: it would keep serving the old certificate until it expires", sched, filepath.Dir(hookPath))
	}
	return Pass("%s renews the certificate; %s reloads nginx", sched, hook)
}
