package writer

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Paths kumoup manages on a KumoMTA host, relative to the file system root.
const (
	EnvFilePath     = "/etc/default/kumomta"
	NginxConfDir    = "/etc/nginx/conf.d"
	TokenDir        = "/etc/nginx/kumoup"
	LuaModulePath   = "/opt/kumomta/etc/policy/kumoup.lua"
	PolicyInitPath  = "/opt/kumomta/etc/policy/init.lua"
	SystemdDropIn   = "/etc/systemd/system/kumomta.service.d/kumoup.conf"
	AnswersFilePath = "/etc/kumoup/kumoup.yaml"
)

// Layout places kumoup's files under Root ("" or "/" for the real host).
// Paths written inside the files (the token include in the site file, the
// environment file in the systemd drop-in) are resolved under Root too, so
// a tree rendered under --root is self-consistent.
type Layout struct {
	Root string
}

// Path returns p (an absolute host path) under the layout's root.
func (l Layout) Path(p string) string {
	if l.IsHost() {
		return p
	}
	return filepath.Join(l.Root, p)
}

// Within is p inside the tree: p itself on the host, or when a tree's
// deployment already names it inside the tree (as the demo's and the test
// sites' do); else p under the root. What kumoup creates or hands to
// another program for a --root tree (the ACME webroot) is never a
// directory of the host.
func (l Layout) Within(p string) string {
	if l.IsHost() {
		return p
	}
	if root := filepath.Clean(l.Root); p == root || strings.HasPrefix(p, root+"/") {
		return p
	}
	return l.Path(p)
}

// EnvFile is /etc/default/kumomta under the root.
func (l Layout) EnvFile() string { return l.Path(EnvFilePath) }

// SiteFile is the nginx site file for domain.
func (l Layout) SiteFile(domain string) string {
	return l.Path(filepath.Join(NginxConfDir, domain+".conf"))
}

// TokenDir is the 0700 directory holding token includes.
func (l Layout) TokenDir() string { return l.Path(TokenDir) }

// TokenFile is the 0600 token map include for domain.
func (l Layout) TokenFile(domain string) string {
	return l.Path(filepath.Join(TokenDir, domain+".tokens"))
}

// LuaModule is the generated policy module.
func (l Layout) LuaModule() string { return l.Path(LuaModulePath) }

// PolicyInit is the user's init.lua (never written by kumoup).
func (l Layout) PolicyInit() string { return l.Path(PolicyInitPath) }

// SystemdDropIn is the kumomta.service drop-in that loads the environment file.
func (l Layout) SystemdDropIn() string { return l.Path(SystemdDropIn) }

// AnswersFile is /etc/kumoup/kumoup.yaml, the non-secret answers.
func (l Layout) AnswersFile() string { return l.Path(AnswersFilePath) }

// LayoutAt returns the layout for a --root flag: "" or "/" is the host,
// anything else is made absolute, so paths written inside files (the token
// include, the environment file) resolve wherever nginx or systemd run.
func LayoutAt(root string) (Layout, error) {
	if root == "" || root == "/" {
		return Layout{}, nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return Layout{}, fmt.Errorf("--root %q: %w", root, err)
	}
	return Layout{Root: abs}, nil
}
