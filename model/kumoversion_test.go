package model

import "testing"

func TestParseKumoVersion(t *testing.T) {
	for in, want := range map[string]string{
		"kumod 2024.06.10-84e84b89\n": "2024.06.10-84e84b89",
		"2025.03.19-1d3f1f67":         "2025.03.19-1d3f1f67",
		"kumod 2024.06.10":            "2024.06.10",
	} {
		v, err := ParseKumoVersion(in)
		if err != nil || v.Tag != want {
			t.Errorf("ParseKumoVersion(%q) = %q, %v; want %q", in, v.Tag, err, want)
		}
	}
	for _, in := range []string{"", "kumod UNKNOWN-missing-.git-and-.tag-during-build", "kumod 2024.13.01-x", "nginx/1.22"} {
		if _, err := ParseKumoVersion(in); err == nil {
			t.Errorf("ParseKumoVersion(%q) accepted", in)
		}
	}
}

func TestKumoVersionAtLeastTheMinimum(t *testing.T) {
	if !MustKumoVersion("kumod 2024.06.10-84e84b89").AtLeast(MinKumoVersion) || !MustKumoVersion("2025.01.02-aa").AtLeast(MinKumoVersion) {
		t.Error("2024.06.10 and later must meet the minimum")
	}
	if MustKumoVersion("kumod 2024.06.09-84e84b89").AtLeast(MinKumoVersion) || MustKumoVersion("2023.12.31-x").HasRequestBodyLimit() {
		t.Error("before 2024.06.10 must not meet the minimum")
	}
	if !(KumoVersion{}).HasRequestBodyLimit() {
		t.Error("an unknown version renders for current releases")
	}
}
