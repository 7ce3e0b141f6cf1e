package probes

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// policyTestdata holds KumoMTA's real policy-extras, the stand-in kumo
// module and the init.lua shapes.
var policyTestdata = filepath.Join("..", "internal", "kumopolicy", "testdata")

// policyShape is one init.lua of testdata/shapes with what its header
// says: "-- want: pass|fail", "-- check: <text the check must show>",
// "-- other: <source> <pool>" (the operator's own names that must keep
// resolving).
type policyShape struct {
	name, text, want, check, otherSource, otherPool string
}

func loadPolicyShapes(t *testing.T) []policyShape {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(policyTestdata, "shapes", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shapes in %s: %v", policyTestdata, err)
	}
	var out []policyShape
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := policyShape{name: strings.TrimSuffix(filepath.Base(f), ".lua"), text: string(b)}
		for _, l := range strings.Split(s.text, "\n") {
			if v, ok := strings.CutPrefix(l, "-- want: "); ok {
				s.want = v
			}
			if v, ok := strings.CutPrefix(l, "-- check: "); ok {
				s.check = v
			}
			if v, ok := strings.CutPrefix(l, "-- other: "); ok {
				s.otherSource, s.otherPool, _ = strings.Cut(v, " ")
			}
		}
		if s.want != "pass" && s.want != "fail" {
			t.Fatalf("%s: no '-- want: pass|fail' line", f)
		}
		out = append(out, s)
	}
	return out
}

// installShape writes the shape as the fixture's init.lua, with the
// sources data file beside it.
func installShape(t *testing.T, f *hostFixture, s policyShape) string {
	t.Helper()
	dir := filepath.Dir(f.target.Layout.PolicyInit())
	hostWriteFile(t, f.target.Layout.PolicyInit(), strings.ReplaceAll(s.text, "@POLICY_DIR@", dir), 0o644)
	toml, err := os.ReadFile(filepath.Join(policyTestdata, "shapes", "sources.toml"))
	if err != nil {
		t.Fatal(err)
	}
	hostWriteFile(t, filepath.Join(dir, "sources.toml"), string(toml), 0o644)
	return dir
}

// runStandin loads the policy under lua5.4 with the stand-in kumo module
// and the real policy-extras, with the environment kumod gets from the
// environment file, and returns run.lua's key=value lines.
func runStandin(t *testing.T, f *hostFixture, dir string, s policyShape, extraEnv ...string) map[string]string {
	t.Helper()
	lua := hostLua(t)
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cmd := exec.Command(lua, abs(filepath.Join(policyTestdata, "standin", "run.lua")), dir,
		abs(filepath.Join(policyTestdata, "kumomta")), abs(filepath.Join(policyTestdata, "standin")))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for _, v := range f.target.Deployment.Env() {
		cmd.Env = append(cmd.Env, v.Name+"="+v.Value)
	}
	if s.otherSource != "" {
		cmd.Env = append(cmd.Env, "STANDIN_OTHER_SOURCE="+s.otherSource, "STANDIN_OTHER_POOL="+s.otherPool)
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("stand-in: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
	}
	t.Logf("stand-in: %s", out)
	return got
}

func hostLua(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs lua5.4; not a unit test")
	}
	p, err := exec.LookPath("lua5.4")
	if err != nil {
		t.Fatal("lua5.4 not found: apt-get install -y lua5.4")
	}
	return p
}

// TestPolicyWiredAgreesWithTheStandinOnEveryShape runs each init.lua shape
// through KumoMTA's real policy-extras under the stand-in kumod and through
// host.policy.wired: both pass or both fail, and the check names the fix.
func TestPolicyWiredAgreesWithTheStandinOnEveryShape(t *testing.T) {
	for _, s := range loadPolicyShapes(t) {
		t.Run(s.name, func(t *testing.T) {
			f := newHostFixture(t)
			dir := installShape(t, f, s)
			got := runStandin(t, f, dir, s)
			standinPass := got["verdict"] == "pass"
			if standinPass != (s.want == "pass") {
				t.Errorf("stand-in verdict %q, want %s", got["verdict"], s.want)
			}
			r := hostRun(t, f.target, "host.policy.wired")
			if (r.Status == StatusPass) != standinPass {
				t.Errorf("host.policy.wired %s but the stand-in says %q", r.Status, got["verdict"])
			}
			if s.want == "pass" {
				wantResult(t, r, StatusPass)
				for k, v := range map[string]string{
					"source.socks5_proxy_server":         "10.0.0.5:5000",
					"source.socks5_proxy_source_address": "203.0.113.7",
					"listener.1":                         "127.0.0.1:8000 in init",
					"pool.entries":                       "kumoproxy",
				} {
					if got[k] != v {
						t.Errorf("stand-in %s = %q, want %q", k, got[k], v)
					}
				}
				return
			}
			wantResult(t, r, StatusFail, s.check)
		})
	}
}

// TestPolicyShapeDetectedForTheLinesKumoupPrints: the shape decides the
// lines apply and the wizard print.
func TestPolicyShapeDetectedForTheLinesKumoupPrints(t *testing.T) {
	want := map[string]writer.PolicyShape{
		"minimal-good":      writer.ShapeMinimal,
		"example-good":      writer.ShapeSources,
		"own-handlers-good": writer.ShapeOwnHandlers,
		"packaged-init":     writer.ShapeMinimal,
	}
	for _, s := range loadPolicyShapes(t) {
		w, ok := want[s.name]
		if !ok {
			continue
		}
		f := newHostFixture(t)
		installShape(t, f, s)
		if got := PolicyShape(t.Context(), f.target.Layout); got != w {
			t.Errorf("%s: shape %s, want %s", s.name, got, w)
		}
	}
}

// TestModuleRenderedForAnOldKumodLoadsThere: a kumod before 2024.06.10
// rejects request_body_limit (deny_unknown_fields); the module rendered for
// it leaves the field out and loads, the current one does not.
func TestModuleRenderedForAnOldKumodLoadsThere(t *testing.T) {
	var minimal policyShape
	for _, s := range loadPolicyShapes(t) {
		if s.name == "minimal-good" {
			minimal = s
		}
	}
	old := "STANDIN_KUMOD_BEFORE_BODY_LIMIT=1"

	f := newHostFixture(t)
	dir := installShape(t, f, minimal)
	got := runStandin(t, f, dir, minimal, old)
	if !strings.Contains(got["verdict"], "unknown field `request_body_limit`") {
		t.Errorf("current module on an old kumod: %q, want the unknown-field error", got["verdict"])
	}

	files, err := writer.Render(f.target.Deployment, writer.Options{Layout: f.target.Layout, Kumod: model.MustKumoVersion("kumod 2024.03.01-0f1e2d3c")})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if file.Path == f.target.Layout.LuaModule() {
			hostWriteFile(t, file.Path, string(file.Content), 0o644)
		}
	}
	got = runStandin(t, f, dir, minimal, old)
	if got["verdict"] != "pass" || got["listener.request_body_limit"] != "nil" {
		t.Errorf("module rendered for 2024.03.01: verdict %q, request_body_limit %q; want pass without the field", got["verdict"], got["listener.request_body_limit"])
	}
}

// TestTheDocumentedExamplePolicyLoadsWithKumoupsLines runs KumoMTA's
// documented example policy (verbatim, with kumoup's printed lines, and with
// two mistakes) under the stand-in with every policy-extras helper it uses,
// and through host.policy.wired: they agree, and the edited one loads.
func TestTheDocumentedExamplePolicyLoadsWithKumoupsLines(t *testing.T) {
	for _, c := range []struct {
		file, want, check string
	}{
		{"example-policy-kumoup.lua", "pass", ""},
		{"example-policy.lua", "fail", "does not require 'kumoup'"},
		{"example-policy-minimal-lines.lua", "fail", "get_egress_source is registered 2 times"},
		{"example-policy-webhook-after-queue.lua", "fail", "move kumoup.setup_webhook() above the queue helper's setup"},
	} {
		t.Run(c.file, func(t *testing.T) {
			f := newHostFixture(t)
			dir := filepath.Dir(f.target.Layout.PolicyInit())
			b, err := os.ReadFile(filepath.Join(policyTestdata, "example", c.file))
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(b), "'/opt/kumomta/etc/policy/", "'"+dir+"/")
			hostWriteFile(t, f.target.Layout.PolicyInit(), text, 0o644)
			toml, err := os.ReadFile(filepath.Join(policyTestdata, "shapes", "sources.toml"))
			if err != nil {
				t.Fatal(err)
			}
			hostWriteFile(t, filepath.Join(dir, "sources.toml"), string(toml), 0o644)
			for _, empty := range []string{"dkim_data.toml", "queues.toml", "listener_domains.toml", "shaping.toml"} {
				hostWriteFile(t, filepath.Join(dir, empty), "", 0o644)
			}
			s := policyShape{name: c.file, otherSource: "ip-1", otherPool: "BestReputation"}
			got := runStandin(t, f, dir, s, "STANDIN_ETC="+filepath.Dir(dir))
			if (got["verdict"] == "pass") != (c.want == "pass") {
				t.Errorf("stand-in verdict %q, want %s", got["verdict"], c.want)
			}
			r := hostRun(t, f.target, "host.policy.wired")
			if (r.Status == StatusPass) != (got["verdict"] == "pass") {
				t.Errorf("host.policy.wired %s but the stand-in says %q", r.Status, got["verdict"])
			}
			if c.want == "pass" {
				wantResult(t, r, StatusPass, "sources:setup")
				if got["source.socks5_proxy_server"] != "10.0.0.5:5000" || got["listener.1"] != "127.0.0.1:8000 in init" {
					t.Errorf("stand-in: source %q, listener %q", got["source.socks5_proxy_server"], got["listener.1"])
				}
				return
			}
			wantResult(t, r, StatusFail, c.check)
		})
	}
}
