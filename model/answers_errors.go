package model

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// describeYAMLError turns a decoding error of an answers file into one
// line an operator can act on: the line number, the key by its path in the
// file (firewall.ssh_port, not a Go field name), and the fix.
func describeYAMLError(data []byte, err error) string {
	var unknown *yaml.UnknownFieldError
	if errors.As(err, &unknown) && unknown.Token != nil {
		line := unknown.Token.Position.Line
		parents := parentKeys(data, line, unknown.Token.Position.Column)
		if outer := keyOnLine(data, line); outer != "" && outer != unknown.Token.Value {
			// Flow style on the parent's line: "firewall: {bogus: 1}".
			text := sourceLine(data, line)
			indent := len(text) - len(strings.TrimLeft(text, " "))
			parents = append(parentKeys(data, line, indent+1), outer)
		}
		key := strings.Join(append(parents, unknown.Token.Value), ".")
		msg := fmt.Sprintf("line %d: unknown key %s", line, quoteShort(key))
		if s := closestKey(unknown.Token.Value, knownKeys(parents)); s != "" {
			msg += fmt.Sprintf(": did you mean %q?", strings.Join(append(parents, s), "."))
		} else {
			msg += ": check the spelling against the documented answers (see README)"
		}
		return msg
	}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) && typeErr.Token != nil {
		line := typeErr.Token.Position.Line
		text := sourceLine(data, line)
		key := keyOnLine(data, line)
		parents := parentKeys(data, line, len(text)-len(strings.TrimLeft(text, " "))+1)
		if key != "" && !slices.Contains(knownKeys(parents), key) && len(parents) > 0 {
			// The value is a nested mapping where a plain value belongs.
			return fmt.Sprintf("line %d: %s: want %s here, not nested keys", line, strings.Join(parents, "."), kindWords(typeErr.DstType))
		}
		value := quoteShort(typeErr.Token.Value)
		switch typeErr.Token.Value {
		case "{":
			value = "a mapping"
		case "[":
			value = "a list"
		}
		if key == "" {
			return fmt.Sprintf("line %d: %s is not %s", line, value, kindWords(typeErr.DstType))
		}
		path := strings.Join(append(parents, key), ".")
		if isPortKey(path) && isWholeKind(typeErr.DstType.Kind()) {
			return fmt.Sprintf("line %d: %s: %s is not a port: %s", line, path, value, portFix)
		}
		return fmt.Sprintf("line %d: %s: %s is not %s", line, path, value, kindWords(typeErr.DstType))
	}
	var overflow *yaml.OverflowError
	if errors.As(err, &overflow) && overflow.Token != nil {
		line := overflow.Token.Position.Line
		key := yamlKeyPath(data, line)
		value := quoteShort(overflow.Token.Value)
		if isPortKey(key) {
			return fmt.Sprintf("line %d: %s: %s is not a port: %s", line, key, value, portFix)
		}
		return fmt.Sprintf("line %d: %s: %s is not %s kumoup accepts here", line, key, value, kindWords(overflow.DstType))
	}
	var node *yaml.UnexpectedNodeTypeError
	if errors.As(err, &node) && node.Token != nil {
		line := node.Token.Position.Line
		return fmt.Sprintf("line %d: %s: %s is not %s", line, yamlKeyPath(data, line), quoteShort(node.Token.Value), nodeWords(node.Expected.String()))
	}
	return yaml.FormatError(err, false, false) // no source lines: they may hold a pasted token
}

// portFix is how to write a port.
const portFix = "use a number from 1 to 65535, or leave the key out for its default"

// isPortKey reports whether the answers key (a dotted path) is a TCP port.
func isPortKey(key string) bool {
	last := key[strings.LastIndex(key, ".")+1:]
	return last == "port" || strings.HasSuffix(last, "_port")
}

// yamlKeyPath is the dotted path of the block-style key on line n
// ("firewall.ssh_port"), or "the value" when there is none.
func yamlKeyPath(data []byte, n int) string {
	text := sourceLine(data, n)
	key := keyOnLine(data, n)
	if key == "" {
		return "the value"
	}
	return strings.Join(append(parentKeys(data, n, len(text)-len(strings.TrimLeft(text, " "))+1), key), ".")
}

// nodeWords says in words what a YAML node type looks like.
func nodeWords(node string) string {
	switch strings.ToLower(node) {
	case "mapping":
		return "a mapping of keys (indented key: value lines)"
	case "sequence":
		return "a list (- item lines or [a, b])"
	}
	return "a " + strings.ToLower(node)
}

// checkNumbers walks a decoded answers file beside the type it fills and
// reports what the YAML decoder lets through silently: a fraction for a
// whole number (1.5 would become 1) and a port of 0 (which would mean
// "the default" after decoding). Keys are named by their dotted path.
func checkNumbers(raw map[string]any, t reflect.Type, path []string) error {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f, ok := fieldByKey(t, k)
		if !ok {
			continue // DisallowUnknownField reports it, with its line
		}
		key := strings.Join(append(slices.Clone(path), k), ".")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch v := raw[k].(type) {
		case float64:
			if isWholeKind(ft.Kind()) {
				if isPortKey(key) {
					return fmt.Errorf("%s: %v is not a port: %s", key, v, portFix)
				}
				return fmt.Errorf("%s: %v is not a whole number", key, v)
			}
		case uint64, int64, int:
			if isPortKey(key) && isWholeKind(ft.Kind()) && fmt.Sprint(v) == "0" {
				return fmt.Errorf("%s: 0 is not a port: %s", key, portFix)
			}
		case map[string]any:
			if ft.Kind() == reflect.Struct {
				if err := checkNumbers(v, ft, append(slices.Clone(path), k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isWholeKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// quoteShort quotes s for an error message, unless it is long enough to be
// a token (MinTokenLength): a secret typed into the wrong place is never
// repeated.
func quoteShort(s string) string {
	if len(s) >= MinTokenLength {
		return fmt.Sprintf("(a %d-character value, not repeated: it may be a secret)", len(s))
	}
	return fmt.Sprintf("%q", s)
}

// sourceLine is the 1-based line n of data, or "".
func sourceLine(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// keyOnLine is the block-style key written on line n ("proxy_port" in
// "  proxy_port: abc"), or "".
func keyOnLine(data []byte, n int) string {
	k, _, ok := strings.Cut(strings.TrimLeft(sourceLine(data, n), " -"), ":")
	if !ok || strings.ContainsAny(k, " \t{[\"'") {
		return ""
	}
	return k
}

// parentKeys are the block-style keys enclosing a key at (line, column),
// outermost first: the nearest earlier lines indented less than it.
func parentKeys(data []byte, line, column int) []string {
	var parents []string
	indent := column - 1
	for n := line - 1; n >= 1 && indent > 0; n-- {
		l := sourceLine(data, n)
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if in := len(l) - len(trimmed); in < indent {
			k := keyOnLine(data, n)
			if k == "" {
				return nil // flow style or a list: no reliable path
			}
			parents = append([]string{k}, parents...)
			indent = in
		}
	}
	return parents
}

// knownKeys lists the YAML keys an answers file accepts under path.
func knownKeys(path []string) []string {
	t := reflect.TypeOf(Answers{})
	for _, p := range path {
		f, ok := fieldByKey(t, p)
		if !ok {
			return nil
		}
		t = f.Type
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
	}
	return keysOf(t)
}

func yamlKey(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	return name, strings.Contains(opts, "inline")
}

func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlKey(f)
		switch {
		case inline:
			keys = append(keys, keysOf(f.Type)...)
		case name != "" && name != "-":
			keys = append(keys, name)
		}
	}
	return keys
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlKey(f)
		if inline {
			if g, ok := fieldByKey(f.Type, key); ok {
				return g, true
			}
		} else if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// closestKey is the known key at most two edits away from key, or "".
func closestKey(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (adjacent swaps count
// as one edit: proxy_hots is one edit from proxy_host).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// kindWords says in words what a value of type t looks like.
func kindWords(t reflect.Type) string {
	if t == nil {
		return "the right kind of value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a text value"
	case reflect.Slice, reflect.Array:
		return "a list (- item lines or [a, b])"
	case reflect.Struct, reflect.Map:
		return "a mapping of keys (indented key: value lines)"
	}
	return "a " + t.Kind().String()
}
