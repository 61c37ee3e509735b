package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"crypto/rand"
	"fmt"
)

// KeySize is the size of every key in bytes (256 bits).
const KeySize = 32

// maxIDLen bounds a key ID.
const maxIDLen = 64

// Key is a named 256-bit key with one cipher per algorithm, built once when
// the key is loaded. Printing a Key shows its ID only.
type Key struct {
	id       string
	material []byte
	ciphers  [numAlgorithms]Cipher
}

// NewKey builds a key from its ID and 32 bytes of material. The material is
// copied.
func NewKey(id string, material []byte) (*Key, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if len(material) != KeySize {
		return nil, fmt.Errorf("key %q: must be %d bytes, got %d", id, KeySize, len(material))
	}
	k := &Key{id: id, material: append([]byte(nil), material...)}
	builders := [numAlgorithms]func([]byte) (Cipher, error){
		AES256GCM:        newAESGCM,
		ChaCha20Poly1305: newChaCha20Poly1305,
		AES256SIV:        newAESSIV,
	}
	for a, build := range builders {
		c, err := build(k.material)
		if err != nil {
			return nil, fmt.Errorf("key %q: %s: cannot build cipher", id, Algorithm(a))
		}
		k.ciphers[a] = c
	}
	return k, nil
}

// GenerateKey returns a new key of random material from crypto/rand.
func GenerateKey(id string) (*Key, error) {
	m := make([]byte, KeySize)
	if _, err := rand.Read(m); err != nil {
		return nil, err
	}
	return NewKey(id, m)
}

// ValidateID checks a key ID: 1 to 64 characters of [A-Za-z0-9._-].
func ValidateID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("key id %q: must be 1 to %d characters", id, maxIDLen)
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("key id %q: only letters, digits, '.', '_' and '-' are allowed", id)
		}
	}
	return nil
}

// ID returns the key ID.
func (k *Key) ID() string { return k.id }

// Cipher returns the cipher of algorithm a under this key, or nil for an
// unknown algorithm.
func (k *Key) Cipher(a Algorithm) Cipher {
	if a >= numAlgorithms {
		return nil
	}
	return k.ciphers[a]
}

// String shows the key ID only.
func (k *Key) String() string { return "key(" + k.id + ")" }

// GoString shows the key ID only.
func (k *Key) GoString() string { return k.String() }

// Format shows the key ID only, whatever the verb.
func (k *Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }
