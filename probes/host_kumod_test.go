package probes

import (
	"testing"
)

// fakeKumod installs a kumod under the fixture's root that prints what the
// real one prints for --version ("kumod " and the build tag).
func fakeKumod(t *testing.T, f *hostFixture, version string) {
	t.Helper()
	hostWriteFile(t, f.target.Layout.Kumod(), "#!/bin/sh\n[ \"$1\" = --version ] && echo 'kumod "+version+"' && exit 0\nexit 2\n", 0o755)
}

func TestKumodAtTheMinimumPasses(t *testing.T) {
	f := newHostFixture(t)
	fakeKumod(t, f, "2024.06.10-84e84b89")
	wantResult(t, hostRun(t, f.target, "host.kumod.version"), StatusPass, "2024.06.10-84e84b89", "minimum 2024.06.10")
}

func TestKumodOlderThanTheMinimumWarnsWithTheUpgrade(t *testing.T) {
	f := newHostFixture(t)
	fakeKumod(t, f, "2024.03.01-0f1e2d3c")
	wantResult(t, hostRun(t, f.target, "host.kumod.version"), StatusWarn, "older than the minimum 2024.06.10", "request_body_limit", "upgrade KumoMTA")
}

func TestKumodMissingFails(t *testing.T) {
	f := newHostFixture(t)
	wantResult(t, hostRun(t, f.target, "host.kumod.version"), StatusFail, "is not installed", "install KumoMTA 2024.06.10")
}

func TestKumodWithAnUnreadableVersionWarns(t *testing.T) {
	f := newHostFixture(t)
	fakeKumod(t, f, "UNKNOWN-missing-.git-and-.tag-during-build")
	wantResult(t, hostRun(t, f.target, "host.kumod.version"), StatusWarn, "cannot tell kumod's version")
}
