package probes

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// nginxTestConf is a self-contained nginx.conf under prefix; extra goes in
// the http block.
func nginxTestConf(t *testing.T, extra string) (conf, prefix string) {
	t.Helper()
	prefix = t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf = filepath.Join(prefix, "nginx.conf")
	text := fmt.Sprintf(`pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    server {
        listen 127.0.0.1:18443;
        location / { return 404; }
    }
%[2]s
}
`, prefix, extra)
	hostWriteFile(t, conf, text, 0o644)
	return conf, prefix
}

func TestNginxConfigThatTestsCleanPasses(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/"}
	wantResult(t, hostRun(t, target, "host.nginx.config"), StatusPass, "nginx -t -c "+conf, "test is successful")
}

func TestBrokenNginxConfigFailsWithItsFirstError(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "    bogus_directive on;\n")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/", Deployment: hostTestDeployment()}
	r := hostRun(t, target, "host.nginx.config")
	wantResult(t, r, StatusFail, `[emerg] unknown directive "bogus_directive" in `+conf, "systemctl reload nginx")
}

func TestNginxErrorQuotingATokenIsMasked(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "    "+hostTestInjectionToken+" on;\n")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/", Deployment: hostTestDeployment()}
	wantResult(t, hostRun(t, target, "host.nginx.config"), StatusFail, "unknown directive") // hostRun asserts the token is masked
}

func TestNginxNotInstalledSkips(t *testing.T) {
	target := &Target{NginxBinary: filepath.Join(t.TempDir(), "nginx")}
	wantResult(t, hostRun(t, target, "host.nginx.config"), StatusSkip, "nginx not installed")
}
