package writer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// maxManagedFile bounds every read of a file kumoup manages or records:
// the largest it writes is a few kilobytes; a hand edit may add more, a
// device or a runaway file may not.
const maxManagedFile = 8 << 20

// errTooLarge is wrapped by readRegular for a file over its bound.
var errTooLarge = errors.New("file is larger than kumoup ever writes")

// readRegular reads the regular file at path, refusing a symbolic link (the
// last component is opened with O_NOFOLLOW), anything but a regular file
// (checked on the open descriptor, so a FIFO cannot block the read) and a
// file over max bytes. Errors name the path and wrap fs.ErrNotExist for a
// missing file.
func readRegular(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link: kumoup reads only regular files; move it away and re-run", path)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s, not a regular file: move it away and re-run", path, fileKind(fi.Mode()))
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d): move it away and re-run", path, errTooLarge, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w (grew past %d bytes while read): move it away and re-run", path, errTooLarge, max)
	}
	return data, nil
}
