package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCertRefusesABadResolverBeforeWritingAnything: the certificate step
// serves the HTTP-only site (and reloads nginx) before its DNS pre-check,
// so a --resolver that is not IP:PORT is refused first, with the setup's
// and status's message, and the tree stays as it was.
func TestCertRefusesABadResolverBeforeWritingAnything(t *testing.T) {
	root := t.TempDir()
	a := answersFile(t, goodAnswers)
	if r := kumoup(t, "apply", "--root", root, "--answers", a); r.code != exitOK {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	before := treeListing(t, root)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--resolver", "localhost"}, `--resolver "localhost": want IP:PORT, like 127.0.0.1:53`},
		{[]string{"--resolver", "127.0.0.1"}, `--resolver "127.0.0.1": want IP:PORT`},
		{[]string{"--staging", "--server", "https://127.0.0.1:14000/dir"}, "--staging and --server: give one"},
	} {
		r := kumoup(t, append([]string{"cert", "--root", root}, c.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("cert %v: exit %d, want %d saying %q\n%s", c.args, r.code, exitUsage, c.want, r.stderr)
		}
	}
	if after := treeListing(t, root); after != before {
		t.Errorf("the tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// treeListing lists every path under root with its size and mode.
func treeListing(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + fi.Mode().String() + " " + fi.ModTime().String() + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
