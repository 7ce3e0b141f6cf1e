package writer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

// luaTool finds a Lua 5.4 program (kumod embeds Lua 5.4). Without -short a
// missing one is a failure naming the package.
func luaTool(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs " + name + "; not a unit test")
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: apt-get install -y lua5.4", name)
	}
	return p
}

func writeLuaModule(t *testing.T, d model.Deployment) string {
	t.Helper()
	for _, f := range renderUnder(t, "", d) {
		if f.Path == LuaModulePath {
			p := filepath.Join(t.TempDir(), "kumoup.lua")
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatal("no Lua module rendered")
	return ""
}

func TestLuaModuleAndInitLinesAreValidLua54(t *testing.T) {
	luac := luaTool(t, "luac5.4")
	mod := writeLuaModule(t, testDeployment())
	lines, err := InitLuaLines(Layout{})
	if err != nil {
		t.Fatal(err)
	}
	snippet := filepath.Join(t.TempDir(), "init.lua")
	if err := os.WriteFile(snippet, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{mod, snippet} {
		if out, err := exec.Command(luac, "-p", f).CombinedOutput(); err != nil {
			t.Errorf("luac -p %s: %v\n%s", f, err, out)
		}
	}
}

// luaEnv is the environment kumod gets from the rendered environment file.
func luaEnv(d model.Deployment) []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, v := range d.Env() {
		env = append(env, v.Name+"="+v.Value)
	}
	return env
}

func runHarness(t *testing.T, mod string, env []string) (map[string]string, string, error) {
	t.Helper()
	lua := luaTool(t, "lua5.4")
	cmd := exec.Command(lua, filepath.Join("testdata", "lua", "harness.lua"), mod)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
	}
	return got, stderr.String(), err
}

func TestLuaModuleWiresListenerEgressAndWebhookFromTheEnvironment(t *testing.T) {
	d := testDeployment()
	got, stderr, err := runHarness(t, writeLuaModule(t, d), luaEnv(d))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := map[string]string{
		"listener.listen":                    "127.0.0.1:8000",
		"listener.trusted_hosts":             "127.0.0.1,::1",
		"listener.request_body_limit":        "26214400",
		"source.name":                        "kumoproxy",
		"source.socks5_proxy_server":         "10.0.0.5:5000",
		"source.socks5_proxy_source_address": "8.8.4.4",
		"source.ehlo_domain":                 "mail.example.com",
		"source.other":                       "error",
		"pool.name":                          "kumoproxy",
		"pool.entries":                       "kumoproxy/1",
		"pool.other":                         "error",
		"sources.source":                     "10.0.0.5:5000",
		"sources.pool":                       "1",
		"hook.name":                          "ping8_webhook",
		"hook.url":                           "https://app.example.com/kumo/events",
		"hook.authorization":                 "Bearer " + testWebhook,
		"hook.content_type":                  "application/json",
		"hook.body":                          `{"type":"Delivery"}`,
		"hook.result":                        "200 Reason: app said",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"source.other_error", "pool.other_error"} {
		if !strings.Contains(got[k], "'other' is not kumoup's") || !strings.Contains(got[k], "only when name == 'kumoproxy'") {
			t.Errorf("%s = %q: want the error naming the name and the fix", k, got[k])
		}
	}
}

func TestLuaModuleBracketsAnIPv6Proxy(t *testing.T) {
	d := testDeployment()
	d.ProxyHost = "fd00::5"
	d.ProxyPort = 1080
	got, stderr, err := runHarness(t, writeLuaModule(t, d), luaEnv(d))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got["source.socks5_proxy_server"] != "[fd00::5]:1080" {
		t.Fatalf("socks5_proxy_server = %q, want [fd00::5]:1080", got["source.socks5_proxy_server"])
	}
}

func TestLuaWebhookRetriesAppOutagesAndDropsRefusedEvents(t *testing.T) {
	d := testDeployment()
	mod := writeLuaModule(t, d)
	for status, reject := range map[string]string{"503": "400", "401": "400", "429": "400", "422": "500", "400": "500"} {
		got, stderr, err := runHarness(t, mod, append(luaEnv(d), "HARNESS_STATUS="+status))
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if got["hook.reject"] != reject {
			t.Errorf("app answering %s: kumo.reject(%s), want %s", status, got["hook.reject"], reject)
		}
	}
}

func TestLuaModuleRefusesToLoadWithoutEveryVariable(t *testing.T) {
	d := testDeployment()
	mod := writeLuaModule(t, d)
	for _, missing := range model.EnvNames() {
		t.Run(missing, func(t *testing.T) {
			var env []string
			for _, e := range luaEnv(d) {
				if strings.HasPrefix(e, missing+"=") {
					e = missing + "=" // set but empty: as bad as unset
				}
				env = append(env, e)
			}
			_, stderr, err := runHarness(t, mod, env)
			if err == nil {
				t.Fatalf("module loaded with %s empty", missing)
			}
			if !strings.Contains(stderr, missing) || !strings.Contains(stderr, EnvFilePath) {
				t.Fatalf("error does not name %s and %s:\n%s", missing, EnvFilePath, stderr)
			}
		})
	}
}

func TestLuaModuleNamesAllMissingVariablesAtOnce(t *testing.T) {
	mod := writeLuaModule(t, testDeployment())
	_, stderr, err := runHarness(t, mod, []string{"PATH=" + os.Getenv("PATH")})
	if err == nil {
		t.Fatal("module loaded with an empty environment")
	}
	for _, name := range model.EnvNames() {
		if !strings.Contains(stderr, name) {
			t.Errorf("error lacks %s:\n%s", name, stderr)
		}
	}
	if strings.Contains(stderr, testWebhook) {
		t.Error("error shows the webhook token")
	}
}

func TestLuaModuleHoldsNoSecret(t *testing.T) {
	b := readFile(t, writeLuaModule(t, testDeployment()))
	if strings.Contains(string(b), testWebhook) || strings.Contains(string(b), testInjection) {
		t.Fatal("the 0644 Lua module contains a token")
	}
}

func TestREADMEShowsTheInitLuaLinesKumoupPrints(t *testing.T) {
	lines, err := InitLuaLines(Layout{})
	if err != nil {
		t.Fatal(err)
	}
	readme := readFile(t, filepath.Join("..", "README.md"))
	if !strings.Contains(string(readme), "```lua\n"+lines+"```") {
		t.Fatalf("README's init.lua lines differ from InitLuaLines; paste:\n%s", lines)
	}
}

func TestLuaModuleForAnOldKumodLeavesOutRequestBodyLimit(t *testing.T) {
	d := testDeployment()
	old := model.MustKumoVersion("kumod 2024.03.01-abcdef01")
	files, err := Render(d, Options{Kumod: old})
	if err != nil {
		t.Fatal(err)
	}
	var lua string
	for _, f := range files {
		if f.Path == LuaModulePath {
			lua = string(f.Content)
		}
	}
	code := strings.Join(luaCodeOnly(lua), "\n")
	if strings.Contains(code, "request_body_limit =") {
		t.Fatalf("module for kumod 2024.03.01 sets request_body_limit:\n%s", code)
	}
	if !strings.Contains(lua, "2024.03.01-abcdef01") || !strings.Contains(lua, "Upgrade") {
		t.Error("module header does not say which kumod it was rendered for and to upgrade")
	}
	note := KumodNote(d, old)
	for _, want := range []string{"2024.03.01-abcdef01", model.RequestBodyLimitSince, "2 MB", d.MaxBody, "upgrade KumoMTA"} {
		if !strings.Contains(note, want) {
			t.Errorf("KumodNote lacks %q: %s", want, note)
		}
	}
	if KumodNote(d, model.MustKumoVersion("kumod 2024.06.10-84e84b89")) != "" || KumodNote(d, model.KumoVersion{}) != "" {
		t.Error("KumodNote warns for a current or unknown kumod")
	}
	files, _ = Render(d, Options{Kumod: model.MustKumoVersion("kumod 2024.06.10-84e84b89")})
	for _, f := range files {
		if f.Path == LuaModulePath && !strings.Contains(strings.Join(luaCodeOnly(string(f.Content)), "\n"), "request_body_limit = kumoup.REQUEST_BODY_LIMIT") {
			t.Error("module for kumod 2024.06.10 lacks request_body_limit")
		}
	}
}

// luaCodeOnly drops -- comment lines.
func luaCodeOnly(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return out
}

func TestLuaModuleMissingVariablesSayHowToValidate(t *testing.T) {
	mod := writeLuaModule(t, testDeployment())
	_, stderr, err := runHarness(t, mod, []string{"PATH=" + os.Getenv("PATH")})
	if err == nil {
		t.Fatal("module loaded with an empty environment")
	}
	if !strings.Contains(stderr, "kumoup policy validate") {
		t.Fatalf("error does not say how to validate:\n%s", stderr)
	}
}

func TestInitLuaLinesForEveryShapeAreValidLua54(t *testing.T) {
	luac := luaTool(t, "luac5.4")
	for _, shape := range []PolicyShape{ShapeMinimal, ShapeSources, ShapeOwnHandlers} {
		lines, err := InitLuaLinesFor(Layout{}, shape)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "init.lua")
		if err := os.WriteFile(p, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(luac, "-p", p).CombinedOutput(); err != nil {
			t.Errorf("%s: luac -p: %v\n%s", shape, err, out)
		}
	}
}
