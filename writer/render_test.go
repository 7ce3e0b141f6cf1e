package writer

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestRenderMatchesGoldenFiles(t *testing.T) {
	files := renderUnder(t, "", testDeployment())
	if len(files) != 6 {
		t.Fatalf("rendered %d files, want 6", len(files))
	}
	for _, f := range files {
		name := strings.NewReplacer("/", "_").Replace(strings.TrimPrefix(f.Path, "/"))
		golden := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./writer -update to create it)", err)
		}
		if !bytes.Equal(f.Content, want) {
			t.Errorf("%s differs from %s (go test ./writer -update after checking the change):\n%s", f.Path, golden, maskedDiff(golden, f.Path, want, f.Content, nil))
		}
	}
}

func TestRenderGivesEveryFileItsModeAndOwner(t *testing.T) {
	want := map[string]os.FileMode{
		EnvFilePath: 0o600,
		"/etc/nginx/kumoup/mta.example.com.tokens": 0o600,
		"/etc/nginx/conf.d/mta.example.com.conf":   0o644,
		LuaModulePath:                              0o644,
		SystemdDropIn:                              0o644,
		AnswersFilePath:                            0o644,
	}
	for _, f := range renderUnder(t, "", testDeployment()) {
		if m, ok := want[f.Path]; !ok || m != f.Mode {
			t.Errorf("%s: mode %04o, want %04o", f.Path, f.Mode, m)
		}
		if f.UID != 0 || f.GID != 0 {
			t.Errorf("%s: owner %d:%d, want root", f.Path, f.UID, f.GID)
		}
		if f.Mode&0o077 != 0 && f.Sensitive() {
			t.Errorf("%s holds a secret but is mode %04o", f.Path, f.Mode)
		}
	}
}

func TestOnlyTheRootOnlyFilesHoldSecrets(t *testing.T) {
	for _, f := range renderUnder(t, "", testDeployment()) {
		has := bytes.Contains(f.Content, []byte(testInjection)) || bytes.Contains(f.Content, []byte(testWebhook))
		if has && f.Mode != 0o600 {
			t.Errorf("%s (mode %04o) contains a token", f.Path, f.Mode)
		}
		if has != f.Sensitive() {
			t.Errorf("%s: contains a token = %v but Sensitive() = %v", f.Path, has, f.Sensitive())
		}
	}
}

func TestEnvFileRoundTripsForValidDeployments(t *testing.T) {
	base := testDeployment()
	cases := map[string]func(*model.Deployment){
		"defaults":          func(*model.Deployment) {},
		"ipv6 proxy":        func(d *model.Deployment) { d.ProxyHost = "fd00::5"; d.ProxyPublicIP = "2001:4860:4860::8888" },
		"other port":        func(d *model.Deployment) { d.ProxyPort = 1080 },
		"url with query":    func(d *model.Deployment) { d.WebhookURL = "https://app.example.com:8443/hooks/kumo?x=1&y=a%20b" },
		"padded tokens":     func(d *model.Deployment) { d.WebhookToken = "abc+/~._-" + strings.Repeat("Z", 30) + "==" },
		"private public ip": func(d *model.Deployment) { d.ProxyPublicIP = "192.0.2.10" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			d := base
			mutate(&d)
			if err := d.Validate().Err(); err != nil {
				t.Fatalf("case does not validate: %v", err)
			}
			var env []byte
			for _, f := range renderUnder(t, "", d) {
				if f.Path == EnvFilePath {
					env = f.Content
				}
			}
			vars, err := model.ParseEnv(env)
			if err != nil {
				t.Fatal(err)
			}
			if p := model.ValidateEnv(vars); !p.OK() {
				t.Fatalf("rendered env file does not validate: %v", p.Err())
			}
			var got model.Deployment
			if p := got.ApplyEnv(vars); !p.OK() {
				t.Fatal(p.Err())
			}
			want := model.Deployment{WebhookToken: d.WebhookToken, WebhookURL: d.WebhookURL, ProxyHost: d.ProxyHost, ProxyPort: d.ProxyPort, ProxyPublicIP: d.ProxyPublicIP, HELO: d.HELO}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestRenderRefusesAnInvalidDeployment(t *testing.T) {
	d := testDeployment()
	d.Listener = "0.0.0.0:8000"
	if _, err := Render(d, Options{}); err == nil || !strings.Contains(err.Error(), "listener") {
		t.Fatalf("err = %v, want a listener problem", err)
	}
}

func TestLuaModuleCarriesListenerAndBodyLimit(t *testing.T) {
	d := testDeployment()
	d.MaxBody = "10m"
	d.Listener = "127.0.0.1:8123"
	var lua, site string
	for _, f := range renderUnder(t, "", d) {
		switch f.Path {
		case LuaModulePath:
			lua = string(f.Content)
		case "/etc/nginx/conf.d/mta.example.com.conf":
			site = string(f.Content)
		}
	}
	for _, want := range []string{"kumoup.LISTENER = '127.0.0.1:8123'", "kumoup.REQUEST_BODY_LIMIT = 10485760"} {
		if !strings.Contains(lua, want) {
			t.Errorf("lua module lacks %q", want)
		}
	}
	if !strings.Contains(site, "client_max_body_size 10m;") {
		t.Errorf("site lacks client_max_body_size 10m")
	}
}

func TestRenderIncludesTheSMTPProxyOnlyWhenEnabled(t *testing.T) {
	d := testDeployment()
	without, err := Render(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525"}
	with, err := Render(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := RenderSMTPProxy(d, Options{})
	if err != nil || len(smtp) == 0 {
		t.Fatalf("RenderSMTPProxy: %d files, %v", len(smtp), err)
	}
	if len(with) != len(without)+len(smtp) {
		t.Fatalf("Render with smtp_proxy: %d files, want %d", len(with), len(without)+len(smtp))
	}
	for i, f := range smtp {
		if got := with[len(without)+i]; got.Path != f.Path || string(got.Content) != string(f.Content) {
			t.Errorf("file %d: %s, want %s", i, got.Path, f.Path)
		}
	}
}
