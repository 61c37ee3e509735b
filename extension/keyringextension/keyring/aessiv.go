package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"crypto/sha256"
	"io"

	"github.com/tink-crypto/tink-go/v2/daead/subtle"
	"golang.org/x/crypto/hkdf"
)

// SIVKeyInfo is the HKDF-SHA256 info label under which the 64-byte AES-SIV key
// is derived from a 256-bit key (empty salt).
const SIVKeyInfo = "otelgate aes256siv v1"

// sivSize is the length of the synthetic IV in front of the ciphertext.
const sivSize = 16

// aesSIV is deterministic AES-SIV (RFC 5297, AES-CMAC-SIV with a 512-bit key).
// Equal plaintexts under the same key and associated data give equal outputs.
type aesSIV struct{ siv *subtle.AESSIV }

func newAESSIV(key []byte) (Cipher, error) {
	derived := make([]byte, 64)
	if _, err := io.ReadFull(hkdf.New(sha256.New, key, nil, []byte(SIVKeyInfo)), derived); err != nil {
		return nil, err
	}
	siv, err := subtle.NewAESSIV(derived) // keeps derived as its key
	if err != nil {
		return nil, err
	}
	return aesSIV{siv}, nil
}

func (a aesSIV) Overhead() int { return sivSize }

func (a aesSIV) Seal(dst, plaintext, ad []byte) ([]byte, error) {
	out, err := a.siv.EncryptDeterministically(plaintext, ad)
	if err != nil {
		return nil, err
	}
	return append(dst, out...), nil
}

func (a aesSIV) Open(dst, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < sivSize {
		return nil, errShort
	}
	out, err := a.siv.DecryptDeterministically(sealed, ad)
	if err != nil {
		return nil, errOpen
	}
	return append(dst, out...), nil
}
