package kumopolicy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

// exampleLayout installs a testdata/example file as init.lua under a
// fresh root.
func exampleLayout(t *testing.T, name string) writer.Layout {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "example", name))
	if err != nil {
		t.Fatal(err)
	}
	l := writer.Layout{Root: t.TempDir()}
	if err := os.MkdirAll(filepath.Dir(l.PolicyInit()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.PolicyInit(), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return l
}

func problemsOf(t *testing.T, l writer.Layout) (*Analysis, string) {
	t.Helper()
	a, err := Analyze(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range a.Problems(l) {
		b.WriteString(p.Message + "\n  fix: " + p.Fix + "\n")
	}
	return a, b.String()
}

func TestTheDocumentedExamplePolicyWithKumoupsLinesHasNoProblem(t *testing.T) {
	a, problems := problemsOf(t, exampleLayout(t, "example-policy-kumoup.lua"))
	if problems != "" {
		t.Fatalf("problems in the example policy edited as kumoup says:\n%s", problems)
	}
	if a.Shape() != writer.ShapeSources {
		t.Errorf("shape %s, want sources:setup", a.Shape())
	}
}

func TestTheDocumentedExamplePolicyIsTheSourcesShapeAndNeedsEveryLine(t *testing.T) {
	a, problems := problemsOf(t, exampleLayout(t, "example-policy.lua"))
	if a.Shape() != writer.ShapeSources {
		t.Errorf("shape %s, want sources:setup", a.Shape())
	}
	for _, want := range []string{
		"listens on 0.0.0.0:8000, beyond loopback", "listens on 0.0.0.0:8001, beyond loopback",
		"does not require 'kumoup'", "kumoup.SOURCES",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
}

func TestTheMinimalLinesInTheExamplePolicyAreTheDuplicateKumodRefuses(t *testing.T) {
	_, problems := problemsOf(t, exampleLayout(t, "example-policy-minimal-lines.lua"))
	for _, want := range []string{
		"get_egress_source is registered 2 times", "get_egress_pool is registered 2 times",
		"sources:setup, which registers it", "already has a handler defined at",
		"remove the kumo.on('get_egress_source', ...) at", "sources:setup { <your files>, kumoup.SOURCES }",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
}

func TestLoopbackListenAddresses(t *testing.T) {
	for listen, want := range map[string]bool{
		"127.0.0.1:8000": true, "[::1]:8000": true, "localhost:8000": true, "127.0.0.2:80": true,
		"0.0.0.0:8000": false, "[::]:8000": false, "10.0.0.1:8000": false, "mta.example.com:8000": false,
	} {
		if loopback(listen) != want {
			t.Errorf("loopback(%q) = %v, want %v", listen, !want, want)
		}
	}
}

func TestASourcesListBuiltInAVariableCountsWhenItNamesKumoupSources(t *testing.T) {
	l := exampleLayout(t, "example-policy-kumoup.lua")
	b, err := os.ReadFile(l.PolicyInit())
	if err != nil {
		t.Fatal(err)
	}
	withVar := strings.Replace(string(b), "sources:setup { '/opt/kumomta/etc/policy/sources.toml', kumoup.SOURCES }",
		"local source_files = { '/opt/kumomta/etc/policy/sources.toml' }\ntable.insert(source_files, kumoup.SOURCES)\nsources:setup(source_files)", 1)
	if err := os.WriteFile(l.PolicyInit(), []byte(withVar), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, problems := problemsOf(t, l); problems != "" {
		t.Errorf("problems:\n%s", problems)
	}
	without := strings.Replace(withVar, "table.insert(source_files, kumoup.SOURCES)\n", "", 1)
	if err := os.WriteFile(l.PolicyInit(), []byte(without), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, problems := problemsOf(t, l); !strings.Contains(problems, "does not list kumoup.SOURCES") {
		t.Errorf("a list without kumoup.SOURCES passed:\n%s", problems)
	}
}
