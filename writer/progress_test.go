package writer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func progressFiles(root string) []File {
	return []File{
		{Name: "first", Path: filepath.Join(root, "etc/kumoup/a.conf"), Root: root, Mode: 0o644, Content: []byte("a\n")},
		{Name: "second", Path: filepath.Join(root, "etc/kumoup/b.conf"), Root: root, Mode: 0o644, Content: []byte("b\n")},
	}
}

func TestWriteFilesPrintsThePlanAndOneLinePerChangedFile(t *testing.T) {
	root := t.TempDir()
	files := progressFiles(root)
	var plan, progress bytes.Buffer
	r, err := WriteFiles(context.Background(), files, &plan, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed() != 2 || !strings.Contains(plan.String(), files[0].Path) {
		t.Fatalf("changed %d; plan:\n%s", r.Changed(), plan.String())
	}
	want := "create " + files[0].Path + ": ok\ncreate " + files[1].Path + ": ok\n"
	if progress.String() != want {
		t.Fatalf("progress:\n%s\nwant:\n%s", progress.String(), want)
	}
	if got := string(readFile(t, files[1].Path)); got != "b\n" {
		t.Fatalf("b.conf = %q", got)
	}
	progress.Reset()
	if _, err := WriteFiles(context.Background(), files, &plan, &progress); err != nil || progress.Len() != 0 {
		t.Fatalf("second run: %v, progress %q; want nothing changed", err, progress.String())
	}
}

func TestWriteFilesStopsAtTheFirstFailureAndSaysSo(t *testing.T) {
	root := t.TempDir()
	files := progressFiles(root)
	// b.conf goes under a.conf, which the first write makes a regular
	// file: the plan is sound, the second write fails.
	files[1].Path = filepath.Join(files[0].Path, "b.conf")
	var plan, progress bytes.Buffer
	_, err := WriteFiles(context.Background(), files, &plan, &progress)
	if err == nil || !strings.HasPrefix(err.Error(), "write: ") {
		t.Fatalf("WriteFiles = %v; want a write: error", err)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != 2 || lines[0] != "create "+files[0].Path+": ok" || !strings.HasPrefix(lines[1], "create "+files[1].Path+": ") || strings.HasSuffix(lines[1], ": ok") {
		t.Fatalf("progress:\n%s", progress.String())
	}
}

func TestWriteFilesRefusesAPlanItCannotMake(t *testing.T) {
	root := t.TempDir()
	f := progressFiles(root)[0]
	os.MkdirAll(filepath.Dir(f.Path), 0o755)
	os.WriteFile(filepath.Join(root, "etc/kumoup/not-a-dir"), []byte("x\n"), 0o644)
	f.Path = filepath.Join(root, "etc/kumoup/not-a-dir/a.conf")
	var plan, progress bytes.Buffer
	_, err := WriteFiles(context.Background(), []File{f}, &plan, &progress)
	if err == nil || strings.HasPrefix(err.Error(), "write: ") || progress.Len() != 0 {
		t.Fatalf("WriteFiles under a regular file = %v (progress %q); want a plan error and nothing written", err, progress.String())
	}
}
