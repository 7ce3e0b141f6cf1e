package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are set at build time by scripts/package.sh
// (-ldflags "-X main.version=... -X main.commit=..."); a plain go build or
// go install fills them from the module and VCS information Go records.
var (
	version = ""
	commit  = ""
)

// versionString is what kumoup --version prints after "kumoup version":
// the version, the commit and the Go release that built the binary.
func versionString() string {
	v, c := version, commit
	modified := false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	} else if modified && commit == "" {
		c += "+dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", v, c, runtime.Version())
}
