package redact

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// maxShared is how many distinct sets of secrets Shared keeps a Redactor
// for: one deployment's tokens, the dashboard's (the scrape token too) and
// a few a test or a token rotation adds.
const maxShared = 16

// shared holds the Redactors Shared built, keyed by a sha256 of their
// secrets: the secrets themselves are no map key (they are still in the
// Redactor's pattern, as in any Redactor).
var shared struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*Redactor
}

// Shared is New for a set of secrets redacted again and again (every
// sweep, every refresh): the Redactor is built once per distinct set (the
// same secrets in the same order) and reused, so its patterns (each
// secret's case, cut and escaped forms, compiled) are not built each time.
// It masks exactly what New's does. At most a few sets are kept: past
// that, an older one is dropped and built again when asked for.
func Shared(secrets ...string) *Redactor {
	key := sharedKey(secrets)
	shared.mu.Lock()
	r, ok := shared.m[key]
	shared.mu.Unlock()
	if ok {
		return r
	}
	r = New(secrets...) // outside the lock: compiling is the slow part
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.m == nil {
		shared.m = make(map[[sha256.Size]byte]*Redactor, maxShared)
	}
	if len(shared.m) >= maxShared {
		for k := range shared.m {
			delete(shared.m, k)
			break
		}
	}
	shared.m[key] = r
	return r
}

// sharedKey is a sha256 of secrets, each prefixed by its length (so that
// "ab","c" and "a","bc" differ).
func sharedKey(secrets []string) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	for _, s := range secrets {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}
