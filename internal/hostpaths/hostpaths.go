// Package hostpaths finds host paths in text meant for an operator of a
// tree (kumoup's --root, the demo's directory): a check's detail or remedy
// that names /etc/... of the host sends the operator to the wrong file.
package hostpaths

import "strings"

// Prefixes are where the host keeps what a tree holds.
var Prefixes = []string{"/etc/", "/var/", "/run/", "/opt/", "/home/", "/root/", "/srv/", "/usr/lib/systemd/", "/usr/local/"}

// Outside returns each path in text that starts with one of Prefixes and
// is not inside root (root followed by the path), cut at the first space
// or quote. A prefix in the middle of a word or of a longer path (a URL's
// path, /usr/local/etc/...) is judged by where that path starts.
func Outside(text, root string) []string {
	var out []string
	for _, p := range Prefixes {
		for i := 0; ; {
			j := strings.Index(text[i:], p)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(p)
			if root != "" && at >= len(root) && text[at-len(root):at] == root {
				continue
			}
			if at > 0 && !strings.ContainsRune(" `\"'(=:,\n\t", rune(text[at-1])) {
				continue
			}
			end := min(len(text), at+80)
			if k := strings.IndexAny(text[at:end], " `\"';,)\n"); k > 0 {
				end = at + k
			}
			out = append(out, text[at:end])
		}
	}
	return out
}
