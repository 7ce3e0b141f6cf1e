package model

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Names of the variables in /etc/default/kumomta, as the deployment guide
// and the generated Lua module use them.
const (
	EnvWebhookToken  = "PING8_WEBHOOK_TOKEN"
	EnvWebhookURL    = "PING8_WEBHOOK_URL"
	EnvProxyHost     = "KUMOPROXY_HOST"
	EnvProxyPort     = "KUMOPROXY_PORT"
	EnvProxyPublicIP = "KUMOPROXY_PUBLIC_IP"
	EnvHELO          = "KUMOPROXY_HELO"
)

// EnvVar is one line of the environment file.
type EnvVar struct {
	Name    string
	Value   string
	Comment string
	// Secret marks a value that must be masked wherever it is shown.
	Secret bool
}

// Env returns the six variables of the environment file, in file order.
func (d Deployment) Env() []EnvVar {
	return []EnvVar{
		{EnvWebhookToken, d.WebhookToken, "bearer secret kumod sends with delivery events to the app", true},
		{EnvWebhookURL, d.WebhookURL, "the app's https endpoint for delivery events", false},
		{EnvProxyHost, d.ProxyHost, "KumoProxy SOCKS5 egress host (an IP literal for released kumod)", false},
		{EnvProxyPort, strconv.Itoa(d.ProxyPort), "KumoProxy SOCKS5 port", false},
		{EnvProxyPublicIP, d.ProxyPublicIP, "public IP recipients see; SPF and PTR must match it", false},
		{EnvHELO, d.HELO, "EHLO name; its A/AAAA must be KUMOPROXY_PUBLIC_IP and the IP's PTR this name", false},
	}
}

// EnvNames lists the environment file's variable names in file order.
func EnvNames() []string {
	return []string{EnvWebhookToken, EnvWebhookURL, EnvProxyHost, EnvProxyPort, EnvProxyPublicIP, EnvHELO}
}

// ParseEnv reads an environment file the way systemd's EnvironmentFile=
// does for the forms kumoup writes and operators commonly hand-edit:
// KEY=VALUE lines, '#' and ';' comment lines, blank lines, and values in
// single or double quotes (with backslash escapes inside double quotes).
// Errors name the line.
func ParseEnv(data []byte) (map[string]string, error) {
	vars := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: expected NAME=value", n)
		}
		key = strings.TrimSpace(key)
		if !validEnvName(key) {
			return nil, fmt.Errorf("line %d: %q is not a variable name (letters, digits and '_', not starting with a digit)", n, key)
		}
		val, err := unquoteEnv(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", n, key, err)
		}
		vars[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read environment file: %w", err)
	}
	return vars, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func unquoteEnv(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch s[0] {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' {
			return "", fmt.Errorf("unterminated single quote")
		}
		return s[1 : len(s)-1], nil
	case '"':
		if len(s) < 2 || s[len(s)-1] != '"' {
			return "", fmt.Errorf("unterminated double quote")
		}
		in := s[1 : len(s)-1]
		var b strings.Builder
		for i := 0; i < len(in); i++ {
			c := in[i]
			if c == '\\' {
				if i+1 >= len(in) {
					return "", fmt.Errorf("dangling backslash")
				}
				i++
				c = in[i]
			} else if c == '"' {
				return "", fmt.Errorf("unescaped double quote inside the value")
			}
			b.WriteByte(c)
		}
		return b.String(), nil
	}
	return s, nil
}

// ApplyEnv sets the fields the environment file carries from vars. Missing
// variables leave their field unchanged; problems name the variable.
func (d *Deployment) ApplyEnv(vars map[string]string) Problems {
	var p Problems
	set := func(name string, dst *string) {
		if v, ok := vars[name]; ok {
			*dst = v
		}
	}
	set(EnvWebhookToken, &d.WebhookToken)
	set(EnvWebhookURL, &d.WebhookURL)
	set(EnvProxyHost, &d.ProxyHost)
	set(EnvProxyPublicIP, &d.ProxyPublicIP)
	set(EnvHELO, &d.HELO)
	if v, ok := vars[EnvProxyPort]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.addErr(EnvProxyPort, fmt.Errorf("%q is not a number: use a port like 5000", v))
		} else {
			d.ProxyPort = n
		}
	}
	return p
}

// ValidateEnv checks that vars holds all six variables of the environment
// file, each valid by the same rules as the answers. Problems are keyed by
// variable name.
func ValidateEnv(vars map[string]string) Problems {
	var p Problems
	for _, name := range EnvNames() {
		if _, ok := vars[name]; !ok {
			p.Errors = append(p.Errors, Problem{Field: name, Message: "is missing: run kumoup apply (or kumoup setup) to write it"})
		}
	}
	var d Deployment
	ap := d.ApplyEnv(vars)
	p.Errors = append(p.Errors, ap.Errors...)
	check := func(name string, err error) {
		if _, ok := vars[name]; ok && err != nil {
			p.addErr(name, err)
		}
	}
	warn := func(name string, w error) {
		if _, ok := vars[name]; ok && w != nil {
			p.addWarn(name, w)
		}
	}
	check(EnvWebhookToken, ValidateToken(d.WebhookToken))
	check(EnvWebhookURL, ValidateWebhookURL(d.WebhookURL))
	w, err := ValidateProxyHost(d.ProxyHost)
	check(EnvProxyHost, err)
	warn(EnvProxyHost, w)
	if _, ok := vars[EnvProxyPort]; ok && len(ap.Errors) == 0 {
		check(EnvProxyPort, ValidatePort(d.ProxyPort))
	}
	w, err = ValidatePublicIP(d.ProxyPublicIP)
	check(EnvProxyPublicIP, err)
	warn(EnvProxyPublicIP, w)
	check(EnvHELO, ValidateHostname(d.HELO))
	return p
}
