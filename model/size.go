package model

import (
	"errors"
	"fmt"
	"strconv"
)

// MaxBodyLimit is the largest max_body kumoup accepts (1 GiB).
const MaxBodyLimit = 1 << 30

// ParseSize converts nginx size syntax ("25m", "512k", "1g", "1048576") to
// bytes. Zero (nginx's "unlimited") is refused: kumod needs a real limit.
func ParseSize(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("is empty: use nginx size syntax like %s", DefaultMaxBody)
	}
	num, mult := s, int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		num, mult = s[:len(s)-1], 1<<10
	case 'm', 'M':
		num, mult = s[:len(s)-1], 1<<20
	case 'g', 'G':
		num, mult = s[:len(s)-1], 1<<30
	}
	if num == "" {
		return 0, fmt.Errorf("%q has no number: use nginx size syntax like %s", s, DefaultMaxBody)
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return 0, fmt.Errorf("%q is not an nginx size: digits then an optional k, m or g, like %s", s, DefaultMaxBody)
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > MaxBodyLimit/mult {
		return 0, fmt.Errorf("%q is larger than kumoup allows (1g)", s)
	}
	if n == 0 {
		return 0, errors.New("0 means unlimited to nginx, but kumod needs a real limit: use a size like 25m")
	}
	return n * mult, nil
}

// The body limits below which max_body is a mistake: under MinMaxBody no
// real message fits (an error), under WarnMaxBody one with an attachment
// does not (a warning).
const (
	MinMaxBody  = 64 << 10
	WarnMaxBody = 1 << 20
)

// ValidateMaxBody checks max_body: an nginx size (ParseSize) of at least
// 64k; under 1m it is a warning. A too-small body limit is the mistake the
// deployment guides list: nginx and kumod then answer 413 to ordinary mail.
func ValidateMaxBody(s string) (warning, err error) {
	n, err := ParseSize(s)
	if err != nil {
		return nil, err
	}
	switch {
	case n < MinMaxBody:
		return nil, fmt.Errorf("%q (%d bytes) is too small for mail: nginx would answer 413 to almost every injection; use %s (the default) or at least 1m", s, n, DefaultMaxBody)
	case n < WarnMaxBody:
		return fmt.Errorf("%q is under 1m: a message with an attachment gets 413 from nginx, the too-small body limit the deployment guides warn about; %s (the default) fits attachments", s, DefaultMaxBody), nil
	}
	return nil, nil
}
