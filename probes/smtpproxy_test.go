package probes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

type smtpProxyFixture struct {
	target *Target
	sink   *netnstest.SMTPSink
	prefix string
	conf   string
}

// smtpProxyStart renders the SMTP proxy for d (listen, auth port and
// back-end filled in with loopback ports) under a temp root and runs real
// nginx with the mail module; include=false leaves the mail file out of
// the nginx.conf the check reads.
func smtpProxyStart(t testing.TB, edit func(*model.Deployment), include bool) *smtpProxyFixture {
	t.Helper()
	netnstest.Require(t, "nginx")
	sink := netnstest.StartSMTPSink(t, nil, "127.0.0.1:0")
	d := model.Deployment{
		Domain: "mta.example.com", InjectionToken: strings.Repeat("i", 43), WebhookToken: strings.Repeat("w", 43),
		WebhookURL: "https://app.example.com/e", ProxyHost: "10.0.0.5", ProxyPublicIP: "8.8.4.4", HELO: "mail.example.com",
	}.WithDefaults()
	d.SMTPProxy = model.SMTPProxy{
		Enabled:  true,
		Backend:  sink.Addr,
		Listen:   fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t)),
		AuthPort: netnstest.FreePort(t),
	}
	if edit != nil {
		edit(&d)
	}
	root := t.TempDir()
	l := writer.Layout{Root: root}
	files, err := writer.RenderSMTPProxy(d, writer.Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		os.MkdirAll(filepath.Dir(f.Path), 0o755)
		if err := os.WriteFile(f.Path, f.Content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
	prefix := filepath.Join(root, "nginx")
	conf := netnstest.WriteNginxConf(t, prefix, netnstest.NginxConf{Mail: true, MainIncludes: []string{files[0].Path}, HTTPIncludes: []string{files[1].Path}})
	netnstest.StartNginx(t, nil, conf, prefix)
	if !include {
		conf = netnstest.WriteNginxConf(t, filepath.Join(root, "other"), netnstest.NginxConf{Mail: true, HTTPIncludes: []string{files[1].Path}})
	}
	return &smtpProxyFixture{
		target: &Target{Deployment: d, Layout: l, NginxConf: conf, NginxPrefix: prefix},
		sink:   sink,
		prefix: prefix,
		conf:   conf,
	}
}

func smtpProxyRun(t *testing.T, target *Target) Result {
	t.Helper()
	return Run(context.Background(), target, []Check{SMTPProxyCheck()})[0]
}

func TestSMTPProxyCheckPassesWhenNginxRelaysToTheBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, nil, true)
	r := smtpProxyRun(t, f.target)
	wantResult(t, r, StatusPass, "reached the back-end", "RCPT TO:<postmaster@mta.example.com> answered 250")
	if r.ID != "smtp.proxy" {
		t.Fatalf("id %q", r.ID)
	}
	if n := len(f.sink.Messages()); n != 0 {
		t.Fatalf("the check sent %d messages; it must stop at RCPT", n)
	}
}

func TestSMTPProxyCheckReportsXClientAgainstABackendWithoutIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, func(d *model.Deployment) { d.SMTPProxy.XClient = true }, true)
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "XCLIENT", "xclient off;", "smtp_proxy.xclient: false")
}

func TestSMTPProxyCheckFailsWhenTheBackendIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, func(d *model.Deployment) {
		d.SMTPProxy.Backend = fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
	}, true)
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "could not hand the session", "ss -ltn")
}

func TestSMTPProxyCheckFailsWhenNginxConfLacksTheInclude(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, nil, false)
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "include "+f.target.Layout.SMTPProxyFile()+";", "outside http {}")
}

func TestSMTPProxyCheckFailsWithoutTheMailModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, nil, true)
	conf, _ := os.ReadFile(f.conf)
	noModule := strings.Replace(string(conf), "load_module "+netnstest.MailModule+";", "", 1)
	os.WriteFile(f.conf, []byte(noModule), 0o644)
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "apt-get install -y libnginx-mod-mail")
}

func TestSMTPProxyCheckFailsWhenNothingListens(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, nil, true)
	f.target.Deployment.SMTPProxy.Listen = fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "connect to the SMTP proxy")
}

func TestSMTPProxyCheckSkipsWhenDisabled(t *testing.T) {
	r := smtpProxyRun(t, &Target{})
	wantResult(t, r, StatusSkip, "not enabled")
}

func TestSMTPProxyCheckReportsXClientSeenOnlyThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, func(d *model.Deployment) { d.SMTPProxy.XClient = true }, true)
	// The back-end cannot be asked directly from here (another host):
	// the refusal shows in the conversation through nginx.
	f.target.ConnectTo = map[string]string{f.target.Deployment.SMTPProxy.Backend: fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))}
	wantResult(t, smtpProxyRun(t, f.target), StatusFail, "refused nginx's XCLIENT", "xclient off;")
}

func TestSMTPProxyPassesTheBackendsRecipientRefusalToTheClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	// The sink refuses every recipient at refused.test with 550: the
	// check's RCPT is answered by the back-end, through nginx, and that
	// proves the path.
	f := smtpProxyStart(t, func(d *model.Deployment) { d.Domain = netnstest.RefusedDomain }, true)
	r := smtpProxyRun(t, f.target)
	wantResult(t, r, StatusPass, "postmaster@refused.test> answered 550 5.1.1 no such user")
}
