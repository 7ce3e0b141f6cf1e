package probes

import (
	"errors"
	"fmt"
	"io/fs"
)

// cannotRead is a check's reason for not reading path: the error's cause,
// and the hint to run as root only when permission was what failed (a
// FIFO or a file over its size limit is refused whoever runs kumoup).
func cannotRead(path string, err error) string {
	cause := err
	if u := errors.Unwrap(err); u != nil {
		cause = u
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("cannot read %s: %v (run kumoup status as root)", path, cause)
	}
	return fmt.Sprintf("cannot read %s: %v (kumoup reads plain files of a bounded size only)", path, cause)
}
