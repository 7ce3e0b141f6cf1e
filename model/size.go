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
