// Package fsread is the one way kumoup reads a file it did not write, or one
// it wrote that someone else may have replaced.
//
// Every such file is hostile: it may be a FIFO that never answers, a symlink
// to /dev/zero, a sparse file of a gibibyte, or a path that is really a
// pasted token. [Read] and [ReadOwn] open without blocking, refuse anything
// that is not a regular file, read at most a limit that fits the file (see
// the Limit constants) and stop when the context is done; [Tail] reads only
// the end of a file, in bounded chunks. [ReadOwn] also refuses a symlink in
// the last component, for files under kumoup's own directories.
//
// Errors name the path (or "<path not found>" when a missing path looks like
// a token, see [ShowPath]) and never quote the file's content. They wrap
// [ErrNotRegular], [ErrTooLarge], [ErrSymlink] or the system error, so
// errors.Is(err, fs.ErrNotExist) still works.
package fsread
