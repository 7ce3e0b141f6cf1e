package writer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
)

func smtpProxyDeployment() model.Deployment {
	d := testDeployment()
	d.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525"}
	return d
}

func TestSMTPProxyIsNotRenderedWhenDisabled(t *testing.T) {
	files, err := RenderSMTPProxy(testDeployment(), Options{})
	if err != nil || len(files) != 0 {
		t.Fatalf("disabled proxy rendered %d files, %v", len(files), err)
	}
}

func TestSMTPProxyFilesMatchGoldenFiles(t *testing.T) {
	tlsOn := smtpProxyDeployment()
	tlsOn.SMTPProxy.STARTTLS = true
	tlsOn.SMTPProxy.Listen = "192.0.2.10:25"
	tlsOn.SMTPProxy.Backend = "[2001:db8::25]:2525"
	xclient := smtpProxyDeployment()
	xclient.SMTPProxy.XClient = true
	xclient.SMTPProxy.Capabilities = []string{"SIZE 26214400", "8BITMIME"}
	for name, d := range map[string]model.Deployment{"plain": smtpProxyDeployment(), "starttls": tlsOn, "xclient": xclient} {
		t.Run(name, func(t *testing.T) {
			files, err := RenderSMTPProxy(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 2 || files[0].Path != "/etc/nginx/kumoup-mail.conf" || files[1].Path != "/etc/nginx/conf.d/kumoup-mail-auth.conf" {
				t.Fatalf("files: %+v", files)
			}
			for _, f := range files {
				goldenHostFile(t, filepath.Join("testdata", "golden", "smtpproxy-"+name+"-"+filepath.Base(f.Path)), f.Content)
			}
		})
	}
}

func TestSMTPProxyDefaultsToXClientOffAndNoAuth(t *testing.T) {
	files, err := RenderSMTPProxy(smtpProxyDeployment(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mail, auth := string(files[0].Content), string(files[1].Content)
	for _, want := range []string{"xclient off;", "smtp_auth none;", "proxy on;", "protocol smtp;", `smtp_capabilities "SIZE" "8BITMIME" "PIPELINING" "ENHANCEDSTATUSCODES";`, "listen 25;", "listen [::]:25;", "auth_http 127.0.0.1:9125/kumoup-smtp-auth;"} {
		if !strings.Contains(mail, want) {
			t.Errorf("mail block lacks %q", want)
		}
	}
	if strings.Contains(mail, "\nload_module") {
		t.Error("the mail file must not load the module: Debian's modules-enabled already does, and twice is an error")
	}
	for _, want := range []string{"listen 127.0.0.1:9125;", "add_header Auth-Status OK;", "add_header Auth-Server 127.0.0.1;", "add_header Auth-Port 2525;"} {
		if !strings.Contains(auth, want) {
			t.Errorf("auth endpoint lacks %q", want)
		}
	}
}

// smtpProxyNginx renders d's SMTP proxy under a temp root, with nginx on
// 127.0.0.1:listenPort, and starts a real nginx with the mail module.
func smtpProxyNginx(t *testing.T, d model.Deployment) (prefix string) {
	t.Helper()
	netnstest.Require(t, "nginx")
	root := t.TempDir()
	files, err := RenderSMTPProxy(d, Options{Layout: Layout{Root: root}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.Path, f.Content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
	prefix = filepath.Join(root, "nginx")
	conf := netnstest.WriteNginxConf(t, prefix, netnstest.NginxConf{
		Mail:         true,
		MainIncludes: []string{files[0].Path},
		HTTPIncludes: []string{files[1].Path},
	})
	netnstest.StartNginx(t, nil, conf, prefix)
	return prefix
}

func loopbackSMTPProxy(t *testing.T) (model.Deployment, *netnstest.SMTPSink) {
	sink := netnstest.StartSMTPSink(t, nil, "127.0.0.1:0")
	d := smtpProxyDeployment()
	d.SMTPProxy.Backend = sink.Addr
	d.SMTPProxy.Listen = fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
	d.SMTPProxy.AuthPort = netnstest.FreePort(t)
	return d, sink
}

const testMessage = "From: app@example.com\r\nTo: user@sink.test\r\nSubject: through nginx\r\nMessage-ID: <kumoup-test@example.com>\r\n\r\nLine one.\r\n.A line starting with a dot.\r\n8-bit: caf\xc3\xa9\r\n"

func TestMessageThroughTheSMTPProxyArrivesIntact(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	d, sink := loopbackSMTPProxy(t)
	prefix := smtpProxyNginx(t, d)

	c, err := smtp.Dial(d.SMTPProxy.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("app.example.com"); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"SIZE", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES"} {
		if ok, _ := c.Extension(ext); !ok {
			t.Errorf("EHLO through nginx lacks %s", ext)
		}
	}
	if err := c.SendMail("app@example.com", []string{"user@sink.test"}, strings.NewReader(testMessage)); err != nil {
		t.Fatalf("send through nginx: %v\n%s", err, netnstest.NginxErrorLog(prefix))
	}
	if !sink.Wait(1, 5*time.Second) {
		t.Fatal("the back-end received nothing")
	}
	m := sink.Messages()[0]
	if m.From != "app@example.com" || len(m.To) != 1 || m.To[0] != "user@sink.test" {
		t.Fatalf("envelope %q -> %q", m.From, m.To)
	}
	if !bytes.Equal(m.Data, []byte(testMessage)) {
		t.Fatalf("message changed on the way:\n got %q\nwant %q", m.Data, testMessage)
	}
}

func TestSwaksDeliversThroughTheSMTPProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx and swaks")
	}
	if _, err := exec.LookPath("swaks"); err != nil {
		t.Fatal("swaks not found: install it with `apt-get install -y swaks`")
	}
	d, sink := loopbackSMTPProxy(t)
	smtpProxyNginx(t, d)
	host, port, _ := net.SplitHostPort(d.SMTPProxy.Listen)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "swaks", "--server", host, "--port", port, "--ehlo", "app.example.com",
		"--from", "app@example.com", "--to", "user@sink.test", "--timeout", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if !sink.Wait(1, 5*time.Second) {
		t.Fatalf("the back-end received nothing; swaks said:\n%s", out)
	}
	if m := sink.Messages()[0]; m.To[0] != "user@sink.test" {
		t.Fatalf("recipient %v", m.To)
	}
}

func TestSMTPProxyWithSTARTTLSPassesNginxTestAndNegotiatesTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	d, sink := loopbackSMTPProxy(t)
	var pool *x509.CertPool
	d.TLSCertificate, d.TLSCertificateKey, pool = netnstest.SelfSigned(t, t.TempDir(), d.Domain)
	d.SMTPProxy.STARTTLS = true
	smtpProxyNginx(t, d)
	c, err := smtp.DialStartTLS(d.SMTPProxy.Listen, &tls.Config{ServerName: d.Domain, RootCAs: pool})
	if err != nil {
		t.Fatalf("STARTTLS through nginx: %v", err)
	}
	defer c.Close()
	if err := c.SendMail("app@example.com", []string{"user@sink.test"}, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	if st, ok := c.TLSConnectionState(); !ok || st.Version < tls.VersionTLS12 {
		t.Fatalf("no TLS 1.2+ after STARTTLS: %v %x", ok, st.Version)
	}
	if !sink.Wait(1, 5*time.Second) || !bytes.Equal(sink.Messages()[0].Data, []byte(testMessage)) {
		t.Fatal("message over STARTTLS did not arrive intact")
	}
}

func TestMailModuleLoaderFindsDebiansModulesEnabledFile(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	if got := MailModuleLoader(l); got != "" {
		t.Fatalf("empty root: %q", got)
	}
	dir := filepath.Join(root, "etc/nginx/modules-enabled")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "50-mod-stream.conf"), []byte("load_module modules/ngx_stream_module.so;\n"), 0o644)
	if got := MailModuleLoader(l); got != "" {
		t.Fatalf("stream module taken for mail: %q", got)
	}
	os.WriteFile(filepath.Join(dir, "50-mod-mail.conf"), []byte("load_module modules/ngx_mail_module.so;\n"), 0o644)
	if got := MailModuleLoader(l); got != filepath.Join(dir, "50-mod-mail.conf") {
		t.Fatalf("got %q", got)
	}
}

func TestMailFileIncludedFromDebiansNginxConfPassesNginxTest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	netnstest.Require(t, "nginx")
	if MailModuleLoader(Layout{}) == "" {
		t.Fatal("Debian's /etc/nginx/modules-enabled does not load the mail module: `apt-get install -y libnginx-mod-mail`")
	}
	debian, err := os.ReadFile("/etc/nginx/nginx.conf")
	if err != nil {
		t.Fatalf("Debian's nginx.conf: %v (apt-get install -y nginx)", err)
	}
	root := t.TempDir()
	d, _ := loopbackSMTPProxy(t)
	files, err := RenderSMTPProxy(d, Options{Layout: Layout{Root: root}})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(files[0].Path), 0o755)
	os.WriteFile(files[0].Path, files[0].Content, 0o644)
	// The documented line, at the top level, after modules-enabled.
	conf := filepath.Join(root, "nginx.conf")
	os.WriteFile(conf, append(debian, []byte("\n"+Layout{Root: root}.SMTPProxyInclude()+"\n")...), 0o644)
	out, err := exec.Command("nginx", "-t", "-c", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t with the mail file included from Debian's nginx.conf: %v\n%s", err, out)
	}
	// Included inside http {} (conf.d) it is refused: the reason for the
	// separate file.
	inHTTP := strings.Replace(string(debian), "include /etc/nginx/conf.d/*.conf;", "include "+files[0].Path+";", 1)
	os.WriteFile(conf, []byte(inHTTP), 0o644)
	if out, err := exec.Command("nginx", "-t", "-c", conf).CombinedOutput(); err == nil || !strings.Contains(string(out), "mail") {
		t.Fatalf("mail {} inside http {} was accepted: %s", out)
	}
}
