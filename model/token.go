package model

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// TokenBytes is the entropy of a generated token: 256 bits.
const TokenBytes = 32

// NewToken returns a fresh bearer token: 256 bits from crypto/rand, encoded
// as unpadded base64url (43 characters, all RFC 6750 b64token characters).
func NewToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Masked is what is shown in place of a secret.
const Masked = "••••••••"

// Mask returns the text shown in place of secret: a fixed mask, or "(none)"
// when the secret is empty. It never reveals any character of the secret.
func Mask(secret string) string {
	if secret == "" {
		return "(none)"
	}
	return Masked
}

// Fingerprint returns a short, non-reversible identifier of secret
// ("sha256:1a2b3c4d") so two copies can be compared without showing either.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:4])
}
