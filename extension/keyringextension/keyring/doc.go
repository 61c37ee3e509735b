// Package keyring holds named 256-bit keys and the authenticated ciphers built
// from them. It is plain Go: the keyring extension, the encryption processor
// and the otelgate-keys tool share it.
//
// A Key never prints its material: its String, GoString and Format methods
// show the key ID only, and no error of this package quotes key bytes.
package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"
