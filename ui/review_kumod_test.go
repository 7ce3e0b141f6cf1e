package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The wizard renders for the installed kumod: one older than 2024.06.10
// gets a module without request_body_limit and a warning with the upgrade.
func TestReviewRendersForAnOldKumodAndWarns(t *testing.T) {
	opt := testOptions(t.TempDir())
	opt.Render.Layout = opt.Layout
	kumod := opt.Layout.Kumod()
	if err := os.MkdirAll(filepath.Dir(kumod), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kumod, []byte("#!/bin/sh\necho 'kumod 2024.03.01-0f1e2d3c'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	msg := prepareCmd(t.Context(), opt, testDeployment(), false, false)().(planMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	warned := false
	for _, w := range msg.warnings {
		warned = warned || strings.Contains(w.Message, "older than 2024.06.10") && strings.Contains(w.Message, "upgrade KumoMTA")
	}
	if !warned {
		t.Errorf("no warning about kumod 2024.03.01: %+v", msg.warnings)
	}
	for _, c := range msg.plan.Changes {
		if c.File.Path == opt.Layout.LuaModule() && strings.Contains(string(c.File.Content), "request_body_limit = kumoup.REQUEST_BODY_LIMIT") {
			t.Error("the module for kumod 2024.03.01 sets request_body_limit")
		}
	}
}

func TestReviewRendersRequestBodyLimitForACurrentKumod(t *testing.T) {
	opt := testOptions(t.TempDir())
	opt.Render.Layout = opt.Layout
	kumod := opt.Layout.Kumod()
	if err := os.MkdirAll(filepath.Dir(kumod), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kumod, []byte("#!/bin/sh\necho 'kumod 2024.06.10-84e84b89'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	msg := prepareCmd(t.Context(), opt, testDeployment(), false, false)().(planMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	for _, w := range msg.warnings {
		if w.Field == "kumod" {
			t.Errorf("warning for a current kumod: %s", w.Message)
		}
	}
	found := false
	for _, c := range msg.plan.Changes {
		found = found || c.File.Path == opt.Layout.LuaModule() && strings.Contains(string(c.File.Content), "request_body_limit = kumoup.REQUEST_BODY_LIMIT")
	}
	if !found {
		t.Error("the module for kumod 2024.06.10 lacks request_body_limit")
	}
}
