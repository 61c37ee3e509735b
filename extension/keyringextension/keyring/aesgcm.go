package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"crypto/aes"
	"crypto/cipher"
)

// newAESGCM builds AES-256-GCM under the key itself, with a random 12-byte
// nonce per value.
func newAESGCM(key []byte) (Cipher, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return randomNonce{aead}, nil
}
