package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"slices"
)

// errOpen is the only error an Open reports: it never says which byte or
// which check failed.
var errOpen = errors.New("message authentication failed")

// errShort reports a sealed value shorter than nonce and tag.
var errShort = errors.New("sealed value shorter than nonce and tag")

// ErrTruncated is returned (wrapped) by Open when the sealed value is too short
// to hold the nonce and the tag.
var ErrTruncated = errShort

// ErrAuthentication is returned (wrapped) by Open when the tag does not verify:
// the ciphertext, the key or the associated data differ from those sealed.
var ErrAuthentication = errOpen

// randomNonce turns an AEAD into a Cipher that draws a fresh random nonce
// from crypto/rand for every Seal and stores it in front of the ciphertext.
type randomNonce struct{ aead cipher.AEAD }

func (r randomNonce) Overhead() int { return r.aead.NonceSize() + r.aead.Overhead() }

func (r randomNonce) Seal(dst, plaintext, ad []byte) ([]byte, error) {
	ns := r.aead.NonceSize()
	dst = slices.Grow(dst, ns+len(plaintext)+r.aead.Overhead())
	nonce := dst[len(dst) : len(dst)+ns]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return r.aead.Seal(dst[:len(dst)+ns], nonce, plaintext, ad), nil
}

func (r randomNonce) Open(dst, sealed, ad []byte) ([]byte, error) {
	ns := r.aead.NonceSize()
	if len(sealed) < ns+r.aead.Overhead() {
		return nil, errShort
	}
	out, err := r.aead.Open(dst, sealed[:ns], sealed[ns:], ad)
	if err != nil {
		return nil, errOpen
	}
	return out, nil
}
