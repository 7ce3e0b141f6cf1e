package model

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
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

// envField ties one variable of the environment file to its Deployment
// field: the answers-file name, how the value is read from and written to
// the Deployment, and the rule it must follow. It is the one list the
// environment file's writer (Env), reader (ApplyEnv) and both validators
// (ValidateEnv, Deployment.Validate) go through, so a variable cannot be
// checked one way in the answers and another in the file.
type envField struct {
	name    string // variable name in /etc/default/kumomta
	field   string // answers-file name, for Deployment.Validate's problems
	comment string
	secret  bool
	get     func(d *Deployment) string
	// set parses value into d; an error names no variable (the caller does).
	set func(d *Deployment, value string) error
	// validate checks the field of d: an error refuses it, a warning only
	// reports it.
	validate func(d *Deployment) (warning, err error)
}

// stringField is the get and set of a plain string field.
func stringField(f func(d *Deployment) *string) (func(*Deployment) string, func(*Deployment, string) error) {
	return func(d *Deployment) string { return *f(d) },
		func(d *Deployment, v string) error { *f(d) = v; return nil }
}

// errOnly adapts a validator without warnings.
func errOnly(f func(d *Deployment) error) func(*Deployment) (error, error) {
	return func(d *Deployment) (error, error) { return nil, f(d) }
}

// envFields are the six variables of the environment file, in file order.
var envFields = func() []envField {
	tokenGet, tokenSet := stringField(func(d *Deployment) *string { return &d.WebhookToken })
	urlGet, urlSet := stringField(func(d *Deployment) *string { return &d.WebhookURL })
	hostGet, hostSet := stringField(func(d *Deployment) *string { return &d.ProxyHost })
	ipGet, ipSet := stringField(func(d *Deployment) *string { return &d.ProxyPublicIP })
	heloGet, heloSet := stringField(func(d *Deployment) *string { return &d.HELO })
	return []envField{
		{EnvWebhookToken, "webhook_token", "bearer secret kumod sends with delivery events to the app", true,
			tokenGet, tokenSet, errOnly(func(d *Deployment) error { return ValidateToken(d.WebhookToken) })},
		{EnvWebhookURL, "webhook_url", "the app's https endpoint for delivery events", false,
			urlGet, urlSet, errOnly(func(d *Deployment) error { return ValidateWebhookURL(d.WebhookURL) })},
		{EnvProxyHost, "proxy_host", "KumoProxy SOCKS5 egress host (an IP literal for released kumod)", false,
			hostGet, hostSet, func(d *Deployment) (error, error) { return ValidateProxyHost(d.ProxyHost) }},
		{EnvProxyPort, "proxy_port", "KumoProxy SOCKS5 port", false,
			func(d *Deployment) string { return strconv.Itoa(d.ProxyPort) },
			func(d *Deployment, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%q is not a number: use a port like 5000", v)
				}
				d.ProxyPort = n
				return nil
			},
			errOnly(func(d *Deployment) error { return ValidatePort(d.ProxyPort) })},
		{EnvProxyPublicIP, "proxy_public_ip", "public IP recipients see; SPF and PTR must match it", false,
			ipGet, ipSet, func(d *Deployment) (error, error) { return ValidatePublicIP(d.ProxyPublicIP) }},
		{EnvHELO, "helo", "EHLO name; its A/AAAA must be KUMOPROXY_PUBLIC_IP and the IP's PTR this name", false,
			heloGet, heloSet, errOnly(func(d *Deployment) error { return ValidateDomain(d.HELO) })},
	}
}()

// Env returns the six variables of the environment file, in file order.
func (d Deployment) Env() []EnvVar {
	out := make([]EnvVar, len(envFields))
	for i, f := range envFields {
		out[i] = EnvVar{Name: f.name, Value: f.get(&d), Comment: f.comment, Secret: f.secret}
	}
	return out
}

// EnvNames lists the environment file's variable names in file order.
func EnvNames() []string {
	out := make([]string, len(envFields))
	for i, f := range envFields {
		out[i] = f.name
	}
	return out
}

// check validates f's field of d and reports its problems under key: the
// answers name for Deployment.Validate, the variable name for ValidateEnv.
func (f envField) check(d *Deployment, p *Problems, key string) {
	warn, err := f.validate(d)
	p.addErr(key, err)
	p.addWarn(key, warn)
}

// ParseEnv reads an environment file the way systemd's EnvironmentFile=
// does (see EnvAssignments): the map holds what kumod's environment gets.
// Where systemd would silently drop or mangle a line, ParseEnv returns an
// error naming the line instead, so the operator learns that kumod does
// not see the variable: a line with no '=', a name systemd refuses
// ("export NAME", a byte-order mark, a name starting with a digit), invalid
// UTF-8, or a quote left open at the end of the file. Errors never quote
// a name or a value: a token pasted on its own line is not echoed.
func ParseEnv(data []byte) (map[string]string, error) {
	vars := make(map[string]string)
	for _, a := range EnvAssignments(data) {
		switch {
		case !a.HasEquals:
			return nil, fmt.Errorf("line %d: expected NAME=value (systemd ignores this line)", a.Line)
		case !validEnvName(a.Name):
			return nil, fmt.Errorf("line %d: the text before '=' is not a variable name (letters, digits and '_', not starting with a digit; no \"export\", no byte-order mark): systemd ignores this line", a.Line)
		case !utf8.ValidString(a.Value):
			return nil, fmt.Errorf("line %d (%s): the value is not valid UTF-8: systemd ignores this line", a.Line, a.Name)
		case a.OpenQuote != 0:
			return nil, fmt.Errorf("line %d (%s): unterminated %s quote: close it on the same line", a.Line, a.Name, quoteName(a.OpenQuote))
		}
		vars[a.Name] = a.Value
	}
	return vars, nil
}

func quoteName(q byte) string {
	if q == '\'' {
		return "single"
	}
	return "double"
}

// EnvAssignment is one assignment of an environment file as systemd reads
// it.
type EnvAssignment struct {
	// Line is the line the name starts on (1-based).
	Line int
	// Name is the text before '=', trimmed of white space, exactly as
	// systemd sees it (it may not be a valid name).
	Name string
	// Value is the value after systemd's unquoting and unescaping.
	Value string
	// Raw is the value's text as written in the file, after '=' and
	// trimmed of white space (it may span lines).
	Raw string
	// HasEquals is false for a line with no '=' (systemd drops it).
	HasEquals bool
	// OpenQuote is the quote (' or ") still open at the end of the file.
	OpenQuote byte
}

// EnvAssignments splits data into assignments with the state machine of
// systemd's parse_env_file_internal (src/basic/env-file.c): leading white
// space skipped; '#' and ';' start a comment only at the start of a line;
// the name runs to '=' (trailing white space trimmed); the value may mix
// bare, 'single' and "double" quoted parts ("a"'b'c is abc); a backslash
// escapes the next character outside quotes and \" \\ \` \$ inside double
// quotes (other escapes keep their backslash); backslash-newline joins
// lines; quoted values may span lines; trailing white space of a bare value
// is dropped. Names are not checked: see ParseEnv.
func EnvAssignments(data []byte) []EnvAssignment {
	const (
		preKey = iota
		key
		preValue
		value
		valueEscape
		single
		double
		doubleEscape
		comment
	)
	var out []EnvAssignment
	var k, v []byte
	state, line, keyLine, rawStart := preKey, 1, 1, -1
	lastKeySpace, lastValueSpace := -1, -1
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	isNewline := func(c byte) bool { return c == '\n' || c == '\r' }
	push := func(end int, hasEq bool, open byte) {
		name := k
		if lastKeySpace >= 0 {
			name = k[:lastKeySpace]
		}
		val := v
		if state == value && lastValueSpace >= 0 {
			val = v[:lastValueSpace]
		}
		raw := ""
		if rawStart >= 0 && end > rawStart {
			raw = strings.TrimSpace(string(data[rawStart:end]))
		}
		out = append(out, EnvAssignment{Line: keyLine, Name: string(name), Value: string(val), Raw: raw, HasEquals: hasEq, OpenQuote: open})
		k, v, rawStart = k[:0], nil, -1
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch state {
		case preKey:
			switch {
			case c == '#' || c == ';':
				state = comment
			case !isSpace(c):
				state, keyLine, lastKeySpace = key, line, -1
				k = append(k[:0], c)
			}
		case key:
			switch {
			case isNewline(c):
				push(i, false, 0)
				state = preKey
			case c == '=':
				state, lastValueSpace, rawStart = preValue, -1, i+1
				v = []byte{}
			default:
				if !isSpace(c) {
					lastKeySpace = -1
				} else if lastKeySpace < 0 {
					lastKeySpace = len(k)
				}
				k = append(k, c)
			}
		case preValue:
			switch {
			case isNewline(c):
				push(i, true, 0)
				state = preKey
			case c == '\'':
				state = single
			case c == '"':
				state = double
			case c == '\\':
				state = valueEscape
			case !isSpace(c):
				state = value
				v = append(v, c)
			}
		case value:
			switch {
			case isNewline(c):
				push(i, true, 0)
				state = preKey
			case c == '\\':
				state, lastValueSpace = valueEscape, -1
			default:
				if !isSpace(c) {
					lastValueSpace = -1
				} else if lastValueSpace < 0 {
					lastValueSpace = len(v)
				}
				v = append(v, c)
			}
		case valueEscape:
			state = value
			if !isNewline(c) {
				v = append(v, c)
			}
		case single:
			if c == '\'' {
				state = preValue
			} else {
				v = append(v, c)
			}
		case double:
			switch c {
			case '"':
				state = preValue
			case '\\':
				state = doubleEscape
			default:
				v = append(v, c)
			}
		case doubleEscape:
			state = double
			switch {
			case strings.IndexByte("\"\\`$", c) >= 0:
				v = append(v, c)
			case c != '\n':
				v = append(v, '\\', c)
			}
		case comment:
			if c == '\\' && i+1 < len(data) && !isNewline(data[i+1]) {
				i++ // systemd's COMMENT_ESCAPE: the next character stays in the comment
			} else if isNewline(c) {
				state = preKey
			}
		}
		if c == '\n' {
			line++
		}
	}
	switch state {
	case key:
		push(len(data), false, 0)
	case preValue, value, valueEscape:
		push(len(data), true, 0)
	case single:
		push(len(data), true, '\'')
	case double, doubleEscape:
		push(len(data), true, '"')
	}
	return out
}

// SecretEnvValues returns every value the environment file in data gives a
// secret variable (see EnvVar.Secret), however its name is spelled: with
// "export" and any white space before it, a byte-order mark, another case,
// or odd quoting. Each value comes both as systemd reads it and as written
// (and, for one spanning lines, line by line), so that every form can be
// masked wherever the file is shown.
func SecretEnvValues(data []byte) []string {
	secret := map[string]bool{}
	for _, f := range envFields {
		secret[f.name] = f.secret
	}
	var out []string
	for _, a := range EnvAssignments(data) {
		name := strings.TrimPrefix(a.Name, "\ufeff")
		if f := strings.Fields(name); len(f) == 2 && f[0] == "export" {
			name = f[1]
		}
		if !a.HasEquals || !secret[strings.ToUpper(strings.TrimSpace(name))] {
			continue
		}
		for _, s := range []string{a.Value, a.Raw, strings.Trim(a.Raw, `"'`)} {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		if strings.Contains(a.Raw, "\n") {
			for _, s := range strings.Split(a.Raw, "\n") {
				if s = strings.TrimSpace(s); len(s) >= 8 {
					out = append(out, s)
				}
			}
		}
	}
	return out
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

// ApplyEnv sets the fields the environment file carries from vars. Missing
// variables leave their field unchanged; problems name the variable.
func (d *Deployment) ApplyEnv(vars map[string]string) Problems {
	var p Problems
	for _, f := range envFields {
		if v, ok := vars[f.name]; ok {
			p.addErr(f.name, f.set(d, v))
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
			p.Errors = append(p.Errors, Problem{Field: name, Message: "is missing"})
		}
	}
	var d Deployment
	ap := d.ApplyEnv(vars)
	p.Errors = append(p.Errors, ap.Errors...)
	for _, f := range envFields {
		// A variable missing or not parsed has its problem already.
		if _, ok := vars[f.name]; ok && len(ap.For(f.name)) == 0 {
			f.check(&d, &p, f.name)
		}
	}
	return p
}
