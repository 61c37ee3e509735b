package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"fmt"
	"strings"
)

// Algorithm names an authenticated encryption algorithm.
type Algorithm uint8

const (
	// AES256GCM is AES-256 in Galois/Counter Mode with random 96-bit nonces.
	AES256GCM Algorithm = iota
	// ChaCha20Poly1305 is RFC 8439 ChaCha20-Poly1305 with random 96-bit nonces.
	ChaCha20Poly1305
	// AES256SIV is deterministic AES-SIV (RFC 5297) under a 512-bit key
	// derived from the 256-bit key with HKDF-SHA256.
	AES256SIV

	numAlgorithms
)

// NumAlgorithms is the number of algorithms; their values are 0 to
// NumAlgorithms-1.
const NumAlgorithms = int(numAlgorithms)

var algorithmNames = [numAlgorithms]string{
	AES256GCM:        "aes256gcm",
	ChaCha20Poly1305: "chacha20poly1305",
	AES256SIV:        "aes256siv",
}

// Algorithms lists every supported algorithm.
func Algorithms() []Algorithm {
	return []Algorithm{AES256GCM, ChaCha20Poly1305, AES256SIV}
}

// String returns the name used in configuration and in the value format.
func (a Algorithm) String() string {
	if a < numAlgorithms {
		return algorithmNames[a]
	}
	return fmt.Sprintf("algorithm(%d)", uint8(a))
}

// ParseAlgorithm parses an algorithm name.
func ParseAlgorithm(s string) (Algorithm, error) {
	for i, n := range algorithmNames {
		if n == s {
			return Algorithm(i), nil
		}
	}
	return 0, fmt.Errorf("unknown algorithm %q, want one of %s", s, strings.Join(algorithmNames[:], ", "))
}

// Cipher is an authenticated cipher bound to one key. Seal appends
// nonce||ciphertext||tag (for AES-SIV: siv||ciphertext) to dst; Open reverses
// it and fails when the input or the associated data was altered.
type Cipher interface {
	// Overhead is the number of bytes Seal adds to the plaintext.
	Overhead() int
	Seal(dst, plaintext, additionalData []byte) ([]byte, error)
	Open(dst, sealed, additionalData []byte) ([]byte, error)
}
