package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"

import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

// appendHeader appends "enc:v1:<algorithm>:<key-id>:".
func appendHeader(dst []byte, alg keyring.Algorithm, keyID string) []byte {
	dst = append(dst, Prefix...)
	dst = append(dst, alg.String()...)
	dst = append(dst, ':')
	dst = append(dst, keyID...)
	return append(dst, ':')
}

// appendAD appends the associated data "<header><level>:<attribute-key>" where
// header is the "enc:v1:<algorithm>:<key-id>:" of the value.
func appendAD(dst, header []byte, level Level, attrKey string) []byte {
	dst = append(dst, header...)
	dst = append(dst, level.String()...)
	dst = append(dst, ':')
	return append(dst, attrKey...)
}
