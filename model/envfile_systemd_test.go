package model

import (
	"slices"
	"strings"
	"testing"
)

// The expectations follow systemd's parse_env_file_internal
// (src/basic/env-file.c), the parser behind EnvironmentFile=.
func TestEnvAssignmentsReadLikeSystemd(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string]string
	}{
		{"quoted parts join", `A="a"'b'c` + "\n", map[string]string{"A": "abc"}},
		{"quotes inside a bare value are literal", `A=x"y"z` + "\n", map[string]string{"A": `x"y"z`}},
		{"a double-quoted value spans lines", "A=\"one\ntwo\"\nB=3\n", map[string]string{"A": "one\ntwo", "B": "3"}},
		{"backslash-newline joins a bare value", "A=one\\\ntwo\n", map[string]string{"A": "onetwo"}},
		{"unknown escapes keep the backslash in double quotes", `A="\n\$"` + "\n", map[string]string{"A": `\n$`}},
		{"bare escapes drop the backslash", `A=a\ b` + "\n", map[string]string{"A": "a b"}},
		{"trailing blanks of a bare value go", "A=x  \t\n", map[string]string{"A": "x"}},
		{"a '#' after the value is part of it", "A=x # y\n", map[string]string{"A": "x # y"}},
		{"CRLF lines", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}},
		{"no newline at the end", "A=1", map[string]string{"A": "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseEnv([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q; want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestParseEnvNeverQuotesTheLineItRefuses(t *testing.T) {
	const secret = "q1Zr8mXyT0kP3vW9-sLbN2cHdE5fGjA7uIoR4eY6tQw="
	for name, in := range map[string]string{
		"token ending in '=' on its own line": "PING8_WEBHOOK_TOKEN=\\\n\n" + secret + "\n",
		"export with a tab":                   "export\tPING8_WEBHOOK_TOKEN=" + secret + "\n",
		"byte-order mark":                     "\ufeffPING8_WEBHOOK_TOKEN=" + secret + "\n",
		"open quote":                          "PING8_WEBHOOK_TOKEN=\"" + secret + "\n",
		"no equals sign":                      strings.TrimSuffix(secret, "=") + "\n",
	} {
		_, err := ParseEnv([]byte(in))
		if err == nil {
			t.Errorf("%s: parsed; want the line refused", name)
			continue
		}
		if strings.Contains(err.Error(), secret[:20]) || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%s: %v; want the line named and the token not quoted", name, err)
		}
	}
}

func TestSecretEnvValuesFindsEverySpelling(t *testing.T) {
	const secret = "q1Zr8mXyT0kP3vW9sLbN2cHdE5fGjA7uIoR4eY6tQwM"
	for name, in := range map[string]string{
		"plain":             "PING8_WEBHOOK_TOKEN=" + secret,
		"export and a tab":  "export\tPING8_WEBHOOK_TOKEN=" + secret,
		"export and spaces": "export   PING8_WEBHOOK_TOKEN = '" + secret + "'",
		"byte-order mark":   "\ufeffPING8_WEBHOOK_TOKEN=\"" + secret + "\"",
		"lower case":        "ping8_webhook_token=" + secret,
		"mixed quoting":     `PING8_WEBHOOK_TOKEN="` + secret[:10] + `"'` + secret[10:] + `'`,
		"no newline at end": "A=1\nPing8_Webhook_Token=" + secret,
	} {
		got := SecretEnvValues([]byte("# env\n" + in + "\nKUMOPROXY_HOST=10.0.0.5\n"))
		if !slices.Contains(got, secret) {
			t.Errorf("%s: %q does not hold the secret", name, got)
		}
		if slices.Contains(got, "10.0.0.5") {
			t.Errorf("%s: a non-secret value is listed", name)
		}
	}
}
