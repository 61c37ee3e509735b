package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import "golang.org/x/crypto/chacha20poly1305"

// newChaCha20Poly1305 builds RFC 8439 ChaCha20-Poly1305 under the key itself,
// with a random 12-byte nonce per value.
func newChaCha20Poly1305(key []byte) (Cipher, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	return randomNonce{aead}, nil
}
