// Package codec is the otelgate encrypted value format: one self-describing
// string per value that carries the format version, the algorithm, the key ID
// and the sealed value, with the value's type inside the plaintext.
//
// # String
//
//	enc:v1:<algorithm>:<key-id>:<payload>
//
// algorithm is aes256gcm, chacha20poly1305 or aes256siv; key-id matches
// [A-Za-z0-9._-]{1,64}; payload is base64url without padding (RFC 4648 §5)
// of:
//
//	aes256gcm, chacha20poly1305:  nonce (12 bytes) || ciphertext || tag (16 bytes)
//	aes256siv:                    siv (16 bytes) || ciphertext
//
// # Associated data
//
// The associated data is the ASCII/UTF-8 string
//
//	enc:v1:<algorithm>:<key-id>:<level>:<attribute-key>
//
// where level is resource, scope, record, event, link or body, and
// attribute-key is the attribute's key (empty for a log body). A value moved
// to another attribute, another level, relabelled with another algorithm or
// key ID, fails authentication.
//
// # Plaintext
//
// The plaintext is the value in the encoding of AppendValue (a type tag and a
// canonical body), so ints, doubles, bools, bytes, arrays and maps come back
// with their type.
//
// # Keys
//
// aes256gcm and chacha20poly1305 use the 256-bit key as is. aes256siv uses
// the 64 bytes of HKDF-SHA256(ikm = key, salt = empty, info =
// "otelgate aes256siv v1") as the RFC 5297 AES-CMAC-SIV key, with the
// associated data as its single header.
package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
