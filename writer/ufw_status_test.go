package writer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeUFW writes a stand-in ufw that prints status and exits with code:
// real ufw would report on (and could change) this host's firewall.
func fakeUFW(t *testing.T, status string, code int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ufw")
	script := "#!/bin/sh\n[ \"$1\" = status ] || exit 9\nprintf '%s\\n' '" + status + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUFWActiveWhenUFWStatusSaysActive(t *testing.T) {
	active, err := UFWActive(context.Background(), fakeUFW(t, "Status: active", 0))
	if err != nil || !active {
		t.Fatalf("UFWActive = %v, %v; want true", active, err)
	}
}

func TestUFWInactiveWhenUFWStatusSaysInactive(t *testing.T) {
	active, err := UFWActive(context.Background(), fakeUFW(t, "Status: inactive", 0))
	if err != nil || active {
		t.Fatalf("UFWActive = %v, %v; want false", active, err)
	}
}

func TestUFWInactiveWhenUFWIsNotInstalled(t *testing.T) {
	active, err := UFWActive(context.Background(), filepath.Join(t.TempDir(), "no-ufw"))
	if err != nil || active {
		t.Fatalf("UFWActive = %v, %v; want false, nil", active, err)
	}
}

func TestUFWActiveReportsAFailingUFWStatus(t *testing.T) {
	active, err := UFWActive(context.Background(), fakeUFW(t, "ERROR: You need to be root to run this script", 1))
	if err == nil || active || !strings.Contains(err.Error(), "ufw status") || !strings.Contains(err.Error(), "You need to be root") {
		t.Fatalf("UFWActive = %v, %v; want an error with ufw's output", active, err)
	}
}

func TestUFWStatusActiveReadsTheStatusLine(t *testing.T) {
	active := "Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n"
	if !UFWStatusActive([]byte(active)) {
		t.Errorf("not active: %q", active)
	}
	for _, out := range []string{"Status: inactive\n", "", "22/tcp ALLOW Anywhere # Status: active\n"} {
		if UFWStatusActive([]byte(out)) {
			t.Errorf("active: %q", out)
		}
	}
}
