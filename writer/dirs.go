package writer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// rootOf is the directory below which f's directories are kumoup's to
// walk: the layout's root, "/" on the host.
func rootOf(f File) string {
	if f.Root == "" {
		return "/"
	}
	return filepath.Clean(f.Root)
}

// below returns the components of dir below root, refusing a dir that is
// not under root.
func below(root, dir string) ([]string, error) {
	rel, err := filepath.Rel(root, filepath.Clean(dir))
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return nil, fmt.Errorf("directory %s is not under the root %s", dir, root)
	}
	if rel == "." {
		return nil, nil
	}
	return strings.Split(rel, "/"), nil
}

// symlinkError is the refusal of a symlink (or other non-directory) where
// a directory of kumoup's belongs.
func symlinkError(path string, mode fs.FileMode) error {
	if mode&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: kumoup does not follow links in the directories it writes; replace the link with a real directory (or write under another --root) and re-run", path)
	}
	return fmt.Errorf("%s is not a directory: move it away and re-run", path)
}

// checkDirs walks from root to dir with Lstat, refusing a symlink or a
// non-directory at any level; it stops quietly at the first component that
// does not exist (Apply creates the rest).
func checkDirs(root, dir string) error {
	parts, err := below(root, dir)
	if err != nil {
		return err
	}
	p := root
	for _, part := range parts {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("directory %s: %w", p, err)
		}
		if !fi.IsDir() {
			return symlinkError(p, fi.Mode())
		}
	}
	return nil
}

// ensureDir makes dir exist under root, walking down from root with
// openat(O_NOFOLLOW) so no symlink is followed at any level: a link is
// refused with a clear message. Missing directories are created 0755 (the
// last one with mode when mode is not zero, never looser) and, with chown,
// given to uid:gid. When mode is not zero an existing dir is given exactly
// that mode (and owner, with chown), through its descriptor.
func ensureDir(root, dir string, mode fs.FileMode, uid, gid int, chown bool) error {
	parts, err := below(root, dir)
	if err != nil {
		return err
	}
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the root %s: %w", root, err)
	}
	defer func() { unix.Close(fd) }()
	path := root
	created := false
	for i, part := range parts {
		last := i == len(parts)-1
		create := fs.FileMode(0o755)
		if last && mode != 0 {
			create = mode
		}
		parent := path
		path = filepath.Join(path, part)
		next, made, err := openOrMakeDir(fd, path, part, create)
		if err != nil {
			return err
		}
		if made {
			if chown {
				if err := unix.Fchown(next, uid, gid); err != nil {
					unix.Close(next)
					return fmt.Errorf("chown directory %s: %w", path, err)
				}
			}
			if err := unix.Fchmod(next, uint32(create)); err != nil { // umask may have narrowed it
				unix.Close(next)
				return fmt.Errorf("chmod directory %s: %w", path, err)
			}
			if err := unix.Fsync(fd); err != nil {
				unix.Close(next)
				return fmt.Errorf("sync directory %s: %w", parent, err)
			}
		}
		unix.Close(fd)
		fd, created = next, made
	}
	if created || mode == 0 || len(parts) == 0 {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	if chown && (int(st.Uid) != uid || int(st.Gid) != gid) {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return fmt.Errorf("chown directory %s: %w", dir, err)
		}
	}
	if fs.FileMode(st.Mode).Perm() != mode {
		if err := unix.Fchmod(fd, uint32(mode)); err != nil {
			return fmt.Errorf("chmod directory %s to %04o: %w", dir, mode, err)
		}
	}
	return nil
}

// openOrMakeDir opens the directory name in dirfd without following a
// link, creating it with mode first when it does not exist. made reports
// that it was created by this call.
func openOrMakeDir(dirfd int, path, name string, mode fs.FileMode) (fd int, made bool, err error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	for range 3 {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err == nil {
			return fd, made, nil
		}
		switch {
		case errors.Is(err, unix.ENOENT):
			if err := unix.Mkdirat(dirfd, name, uint32(mode)); err != nil && !errors.Is(err, unix.EEXIST) {
				return -1, false, fmt.Errorf("create directory %s: %w", path, err)
			} else if err == nil {
				made = true
			}
		case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
			var st unix.Stat_t
			if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return -1, false, fmt.Errorf("directory %s: %w", path, err)
			}
			m := fs.FileMode(0)
			if st.Mode&unix.S_IFMT == unix.S_IFLNK {
				m = fs.ModeSymlink
			}
			return -1, false, symlinkError(path, m)
		default:
			return -1, false, fmt.Errorf("open directory %s: %w", path, err)
		}
	}
	return -1, false, fmt.Errorf("create directory %s: it keeps appearing and disappearing; re-run", path)
}
