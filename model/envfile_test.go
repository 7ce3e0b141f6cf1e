package model

import (
	"strings"
	"testing"
)

func TestParseEnvForms(t *testing.T) {
	in := "# comment\n; also comment\n\nA=1\nB = two \nC=\"quoted \\\"x\\\" value\"\nD='single $x'\nE=\n"
	got, err := ParseEnv([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two", "C": `quoted "x" value`, "D": "single $x", "E": ""}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestParseEnvNamesTheBadLine(t *testing.T) {
	for in, frag := range map[string]string{"A=1\nnot a var\n": "line 2", "1A=x\n": "line 1", "A=\"open\n": "unterminated", "A='x\n": "unterminated"} {
		_, err := ParseEnv([]byte(in))
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("ParseEnv(%q) = %v, want %q", in, err, frag)
		}
	}
}

func TestValidateEnvNeedsAllSixValid(t *testing.T) {
	d := validDeployment()
	vars := map[string]string{}
	for _, v := range d.Env() {
		vars[v.Name] = v.Value
	}
	if p := ValidateEnv(vars); !p.OK() || len(p.Warnings) != 0 {
		t.Fatalf("valid env: %+v", p)
	}
	delete(vars, EnvHELO)
	vars[EnvProxyPort] = "x"
	p := ValidateEnv(vars)
	if len(p.For(EnvHELO)) == 0 || len(p.For(EnvProxyPort)) == 0 {
		t.Fatalf("problems not reported: %+v", p)
	}
}

func TestApplyEnvRoundTrip(t *testing.T) {
	d := validDeployment()
	vars := map[string]string{}
	for _, v := range d.Env() {
		vars[v.Name] = v.Value
	}
	var back Deployment
	if p := back.ApplyEnv(vars); !p.OK() {
		t.Fatal(p.Err())
	}
	if back.WebhookToken != d.WebhookToken || back.WebhookURL != d.WebhookURL || back.ProxyHost != d.ProxyHost || back.ProxyPort != d.ProxyPort || back.ProxyPublicIP != d.ProxyPublicIP || back.HELO != d.HELO {
		t.Fatalf("round trip lost data: %+v", back)
	}
}
