package probes

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"net/textproto"
	"os/exec"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// SMTPProxyCheck is `smtp.proxy`: nginx's configuration (with the mail
// module) passes `nginx -T` and includes the mail file, and a real SMTP
// conversation through nginx reaches the back-end (EHLO, MAIL, RCPT, RSET,
// QUIT: no mail is sent). It skips when smtp_proxy is not enabled.
func SMTPProxyCheck() Check {
	return Check{ID: "smtp.proxy", Title: "Reverse SMTP proxy relays to the back-end", Run: checkSMTPProxy}
}

func checkSMTPProxy(ctx context.Context, t *Target) Result {
	s := t.Deployment.SMTPProxy
	if !s.Enabled {
		return Skip("smtp_proxy is not enabled")
	}
	if r, ok := nginxIncludesMail(ctx, t); !ok {
		return r
	}
	if s.XClient {
		if offered, err := backendOffersXClient(ctx, t); err == nil && !offered {
			return Fail("the back-end does not accept XCLIENT (KumoMTA does not): set smtp_proxy.xclient: false so the mail block says `xclient off;`, apply, then nginx -t && systemctl reload nginx",
				"smtp_proxy.xclient is on but the back-end %s does not offer XCLIENT in its EHLO: nginx sends it anyway and every session dies", s.Backend)
		}
	}
	return smtpThroughProxy(ctx, t)
}

// backendOffersXClient asks the back-end directly (EHLO, QUIT) whether it
// announces XCLIENT. An error means it could not be asked from here.
func backendOffersXClient(ctx context.Context, t *Target) (bool, error) {
	conn, err := t.DialContext(ctx, "tcp", t.Deployment.SMTPProxy.Backend)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()
	c := textproto.NewConn(conn)
	if _, _, err := c.ReadResponse(220); err != nil {
		return false, err
	}
	if err := c.PrintfLine("EHLO kumoup-check.invalid"); err != nil {
		return false, err
	}
	_, ehlo, err := c.ReadResponse(250)
	if err != nil {
		return false, err
	}
	c.PrintfLine("QUIT")
	return ehloKeywords(ehlo)["XCLIENT"], nil
}

// ehloKeywords are the extensions an EHLO reply offers (the lines after
// the greeting), upper-cased, without their parameters.
func ehloKeywords(ehlo string) map[string]bool {
	offered := map[string]bool{}
	for _, l := range strings.Split(ehlo, "\n")[1:] {
		kw, _, _ := strings.Cut(strings.TrimSpace(l), " ")
		offered[strings.ToUpper(kw)] = true
	}
	return offered
}

// nginxIncludesMail runs `nginx -T` (the sweep's one nginx run, see
// nginxTest) and looks for the mail file among the files it read. The dump holds secrets (the token include): it is only
// searched, never shown.
func nginxIncludesMail(ctx context.Context, t *Target) (Result, bool) {
	bin := t.nginxBinary()
	run, err := t.nginxTest(ctx, "-T")
	if err != nil {
		return Fail("check that the temporary directory is writable", "nginx -T for %s: %v", t.Layout.Root, err), false
	}
	mailFile := t.Layout.SMTPProxyFile()
	if run.err != nil {
		if _, lerr := exec.LookPath(bin); lerr != nil {
			return Fail("install nginx: apt-get install -y nginx libnginx-mod-mail", "%s not found", bin), false
		}
		msg := nginxFirstError(string(run.stderr))
		if strings.Contains(msg, `unknown directive "mail"`) {
			return Fail("install the mail module: apt-get install -y libnginx-mod-mail (it adds /etc/nginx/modules-enabled/50-mod-mail.conf); without Debian's package put `load_module "+writer.MailModulePath+";` at the top of nginx.conf",
				"nginx -t: the mail module is not loaded (%s)", msg), false
		}
		return Fail("fix the line nginx names, then run nginx -t again", "nginx -t fails: %s", msg), false
	}
	if !bytes.Contains(run.stdout, []byte("# configuration file "+mailFile+":")) {
		return Fail(fmt.Sprintf("add `include %s;` at the top level of nginx.conf (outside http {}, after the modules-enabled include), then nginx -t && systemctl reload nginx", mailFile),
			"nginx -t passes but nginx does not read %s: the mail {} block is not active", mailFile), false
	}
	return Result{}, true
}

// nginxInternalError is what nginx's mail proxy answers when it cannot
// hand the session to the back-end.
const nginxInternalError = "Internal server error"

func smtpProxyAddr(t *Target) string {
	s := t.Deployment.SMTPProxy
	a := s.ListenAddr()
	if !a.IsValid() {
		a = netip.MustParseAddr("127.0.0.1")
	}
	return netip.AddrPortFrom(a, uint16(s.ListenPort())).String()
}

func smtpThroughProxy(ctx context.Context, t *Target) Result {
	s := t.Deployment.SMTPProxy
	addr := smtpProxyAddr(t)
	conn, err := t.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Fail("check that nginx runs and listens there: ss -ltnp | grep :"+strconv.Itoa(s.ListenPort())+"; systemctl reload nginx", "connect to the SMTP proxy at %s: %v", addr, err)
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()
	c := textproto.NewConn(conn)
	step := func(cmd string, want int) (int, string, error) {
		if cmd != "" {
			if err := c.PrintfLine("%s", cmd); err != nil {
				return 0, "", err
			}
		}
		code, msg, err := c.ReadResponse(want)
		return code, msg, err
	}
	if _, msg, err := step("", 220); err != nil {
		return Fail("check that smtp_proxy.listen is nginx's mail listener, not another server", "greeting from %s: %v %s", addr, err, msg)
	}
	_, ehlo, err := step("EHLO kumoup-check.invalid", 250)
	if err != nil {
		return Fail("check nginx's error log", "EHLO through %s: %v", addr, err)
	}
	offered := ehloKeywords(ehlo)
	want := s.CapabilitiesOrDefault()
	if s.STARTTLS {
		want = append(want, "STARTTLS")
	}
	for _, w := range want {
		kw, _, _ := strings.Cut(w, " ")
		if !offered[strings.ToUpper(kw)] {
			return Fail("reload nginx so it reads the generated mail file: nginx -t && systemctl reload nginx", "EHLO at %s does not offer %s (offered: %s)", addr, kw, strings.Join(strings.Split(ehlo, "\n")[1:], ", "))
		}
	}
	if _, msg, err := step("MAIL FROM:<>", 250); err != nil {
		return Fail("check nginx's error log", "MAIL FROM:<> through %s: %v %s", addr, err, msg)
	}
	rcpt := "postmaster@" + t.Deployment.Domain
	code, msg, err := step("RCPT TO:<"+rcpt+">", 0)
	if err != nil && code == 0 {
		return Fail("check nginx's error log (journalctl -u nginx)", "RCPT TO through %s: %v", addr, err)
	}
	xclientFix := "the back-end does not accept XCLIENT (KumoMTA does not): set smtp_proxy.xclient: false so the mail block says `xclient off;`, apply, then nginx -t && systemctl reload nginx"
	switch {
	case strings.Contains(msg, nginxInternalError):
		if s.XClient {
			return Fail(xclientFix, "nginx answered RCPT with %d %s: with xclient on it could not hand the session to the back-end %s", code, msg, s.Backend)
		}
		return Fail(fmt.Sprintf("check that the back-end listens on %s (ss -ltn) and that the auth endpoint answers: curl -si http://127.0.0.1:%d%s", s.Backend, s.AuthPortOrDefault(), writer.SMTPProxyAuthPath),
			"nginx answered RCPT with %d %s: it could not hand the session to the back-end %s", code, msg, s.Backend)
	case code >= 500 && code <= 503:
		// A syntax or sequence error at a well-formed RCPT is the
		// back-end refusing a command nginx sent on its own.
		if s.XClient {
			return Fail(xclientFix, "RCPT through nginx got %d %s: the back-end %s refused nginx's XCLIENT (nginx sends it without checking EHLO)", code, msg, s.Backend)
		}
		return Fail("check the back-end's log for the command it refused; compare its EHLO with smtp_proxy.capabilities",
			"RCPT through nginx got %d %s: the back-end %s refused a command nginx relayed", code, msg, s.Backend)
	}
	step("RSET", 250)
	step("QUIT", 221)
	return Pass("SMTP through %s reached the back-end %s: EHLO offers %s; RCPT TO:<%s> answered %d %s", addr, s.Backend, strings.Join(want, ", "), rcpt, code, firstLine(msg))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
