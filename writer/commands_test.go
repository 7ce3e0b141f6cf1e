package writer

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCommandsQuoteATreeWithSpaces: a remedy's command is pasted into a
// shell; a tree under a directory with a space (or a quote) in its name
// must stay one argument. sh itself splits the printed command.
func TestCommandsQuoteATreeWithSpaces(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("sh not found: %v", err)
	}
	root := "/tmp/my tree/it's"
	l := Layout{Root: root}
	for _, c := range []struct {
		cmd  string
		want []string
	}{
		{ApplyCommand(l), []string{"kumoup", "apply", "--root", root, "--answers", l.AnswersFile()}},
		{Command(l, "diff"), []string{"kumoup", "diff", "--root", root}},
	} {
		// printf prints each argument the shell made on its own line.
		out, err := exec.Command(sh, "-c", "printf '%s\\n' "+c.cmd).Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", c.cmd, err)
		}
		if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s\nthe shell reads %q, want %q", c.cmd, got, c.want)
		}
	}
	if got := ApplyCommand(Layout{Root: "/srv/tree"}); strings.Contains(got, "'") {
		t.Errorf("a plain tree is quoted: %s", got)
	}
}

func TestApplyCommandNamesTheTreeAndItsAnswers(t *testing.T) {
	if got, want := ApplyCommand(Layout{}), "kumoup apply --answers /etc/kumoup/kumoup.yaml"; got != want {
		t.Errorf("host: %q, want %q", got, want)
	}
	if got, want := ApplyCommand(Layout{Root: "/srv/tree"}), "kumoup apply --root /srv/tree --answers /srv/tree/etc/kumoup/kumoup.yaml"; got != want {
		t.Errorf("tree: %q, want %q", got, want)
	}
}

func TestCertAndRotateCommandsNameTheTree(t *testing.T) {
	if got, want := CertCommand(Layout{}), "sudo kumoup cert"; got != want {
		t.Errorf("host: %q, want %q", got, want)
	}
	if got, want := CertCommand(Layout{Root: "/srv/my tree"}), "kumoup cert --root '/srv/my tree'"; got != want {
		t.Errorf("tree: %q, want %q", got, want)
	}
	if got, want := Command(Layout{Root: "/srv/tree"}, "rotate", "injection", "--finish"), "kumoup rotate --root /srv/tree injection --finish"; got != want {
		t.Errorf("rotate: %q, want %q", got, want)
	}
}
