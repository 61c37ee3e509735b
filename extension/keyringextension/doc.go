// Package keyringextension implements the "keyring" extension: named 256-bit
// keys for the encryption processor, from a key file (reloaded when it
// changes), from the configuration, or both. One active key encrypts, every
// key of the ring decrypts, so data encrypted before a rotation still
// decrypts after it.
package keyringextension // import "github.com/otelgate/otelgate/extension/keyringextension"
