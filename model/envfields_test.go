package model

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestEnvFieldsNameAnswersKeys: the answers name each variable is reported
// under by Deployment.Validate is a key of the answers file.
func TestEnvFieldsNameAnswersKeys(t *testing.T) {
	keys := keysOf(reflect.TypeOf(Answers{}))
	for _, f := range envFields {
		if f.field != "webhook_token" && !slices.Contains(keys, f.field) {
			t.Errorf("%s is reported as %q, not a key of the answers file", f.name, f.field)
		}
	}
}

// TestEnvAndAnswersGiveTheSameMessage: a bad value gets the same message
// from the environment file's validation (keyed by the variable) and from
// the answers' (keyed by the answers field), errors and warnings alike.
func TestEnvAndAnswersGiveTheSameMessage(t *testing.T) {
	bad := map[string]string{
		EnvWebhookToken:  "short",
		EnvWebhookURL:    "http://app.example.com/e",
		EnvProxyHost:     "proxy.example.com", // a warning
		EnvProxyPort:     "70000",
		EnvProxyPublicIP: "192.0.2.7", // a warning
		EnvHELO:          "localhost",
	}
	for _, f := range envFields {
		t.Run(f.name, func(t *testing.T) {
			d := validDeployment()
			vars := map[string]string{}
			for _, v := range d.Env() {
				vars[v.Name] = v.Value
			}
			vars[f.name] = bad[f.name]
			if p := d.ApplyEnv(vars); !p.OK() {
				t.Fatal(p.Err())
			}
			fromEnv, fromAnswers := ValidateEnv(vars).For(f.name), d.Validate().For(f.field)
			if len(fromEnv) != 1 || len(fromAnswers) != 1 {
				t.Fatalf("ValidateEnv: %v; Validate: %v; want one problem each", fromEnv, fromAnswers)
			}
			if fromEnv[0].Message != fromAnswers[0].Message {
				t.Errorf("ValidateEnv says %q, Validate says %q", fromEnv[0].Message, fromAnswers[0].Message)
			}
			if !strings.HasPrefix(fromEnv[0].Error(), f.name+": ") || !strings.HasPrefix(fromAnswers[0].Error(), f.field+": ") {
				t.Errorf("problems not keyed by name: %q, %q", fromEnv[0].Error(), fromAnswers[0].Error())
			}
		})
	}
}

// TestValidateEnvReportsAPortThatIsNoNumberOnce: a port that does not
// parse is reported as such, not also as port 0.
func TestValidateEnvReportsAPortThatIsNoNumberOnce(t *testing.T) {
	vars := map[string]string{}
	for _, v := range validDeployment().Env() {
		vars[v.Name] = v.Value
	}
	vars[EnvProxyPort] = "x"
	got := ValidateEnv(vars).For(EnvProxyPort)
	if len(got) != 1 || !strings.Contains(got[0].Message, `"x" is not a number: use a port like 5000`) {
		t.Fatalf("problems for %s: %v", EnvProxyPort, got)
	}
}
