package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionNamesVersionCommitAndGoRelease(t *testing.T) {
	oldV, oldC := version, commit
	t.Cleanup(func() { version, commit = oldV, oldC })
	version, commit = "1.2.3", "0123456789abcdef0123"
	got := versionString()
	want := "1.2.3 (commit 0123456789ab, " + runtime.Version() + ")"
	if got != want {
		t.Fatalf("versionString() = %q, want %q", got, want)
	}
}

func TestVersionWithoutBuildStampSaysDevel(t *testing.T) {
	oldV, oldC := version, commit
	t.Cleanup(func() { version, commit = oldV, oldC })
	version, commit = "", ""
	got := versionString()
	// A test binary has no module version; the commit depends on how it
	// was built, the Go release is always there.
	if !strings.HasPrefix(got, "devel (commit ") || !strings.HasSuffix(got, runtime.Version()+")") {
		t.Fatalf("versionString() = %q, want devel (commit …, %s)", got, runtime.Version())
	}
}
