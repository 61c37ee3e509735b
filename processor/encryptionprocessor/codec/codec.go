package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"

import (
	"errors"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// Prefix starts every encrypted value of format version 1.
const Prefix = "enc:v1:"

// Reason classifies a decryption failure.
type Reason uint8

const (
	// ReasonMalformed means: not a value of this format (not a string, no prefix,
	// unknown version or algorithm, bad key ID, bad base64, bad plaintext).
	ReasonMalformed Reason = iota
	// ReasonUnknownKey means: the key ID is not in the ring.
	ReasonUnknownKey
	// ReasonTruncated means: the payload is shorter than nonce and tag.
	ReasonTruncated
	// ReasonTampered means: authentication failed (ciphertext, key ID, algorithm,
	// attribute key or level altered, or another key of the same ID).
	ReasonTampered

	numReasons
)

// NumReasons is the number of reasons.
const NumReasons = int(numReasons)

var reasonNames = [numReasons]string{"malformed", "unknown_key", "truncated", "tampered"}

func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Error is a decryption failure. Its message never includes key material or
// plaintext.
type Error struct {
	Reason Reason
	detail string
}

func (e *Error) Error() string { return e.Reason.String() + ": " + e.detail }

func fail(r Reason, detail string) *Error { return &Error{Reason: r, detail: detail} }

// KeyLookup finds a decryption key by ID; *keyring.Ring is one.
type KeyLookup interface {
	Lookup(id string) (*keyring.Key, bool)
}

// Codec encrypts and decrypts values. It reuses its buffers between calls, so
// one Codec must not be used by two goroutines at once.
type Codec struct {
	pt, ad, sealed, out []byte
}

// IsEncrypted reports whether s looks like a value of this format (prefix
// only; it says nothing about authenticity).
func IsEncrypted(s string) bool { return strings.HasPrefix(s, Prefix) }

// Encrypt seals v under key k with algorithm alg, bound to level and
// attribute key, and returns the encrypted string.
func (c *Codec) Encrypt(k *keyring.Key, alg keyring.Algorithm, level Level, attrKey string, v pcommon.Value) (string, error) {
	ciph := k.Cipher(alg)
	if ciph == nil {
		return "", errors.New("unknown algorithm")
	}
	c.pt = AppendValue(c.pt[:0], v)
	c.out = appendHeader(c.out[:0], alg, k.ID())
	c.ad = appendAD(c.ad[:0], c.out, level, attrKey)
	var err error
	c.sealed, err = ciph.Seal(c.sealed[:0], c.pt, c.ad)
	clear(c.pt)
	if err != nil {
		return "", err
	}
	// The result is built in its own buffer and handed over as the string
	// without a copy: nothing else references the buffer afterwards.
	n := len(c.out) + encodedLenURL(len(c.sealed))
	buf := make([]byte, n)
	copy(buf, c.out)
	encodeURL(buf[len(c.out):], c.sealed)
	return unsafe.String(unsafe.SliceData(buf), n), nil //nolint:gosec // G103: buf is fresh and never written after this
}

// Decrypt opens the encrypted string s found at level under attrKey and
// stores the original value in into. On failure into is left untouched and
// the error is an *Error.
func (c *Codec) Decrypt(keys KeyLookup, level Level, attrKey, s string, into pcommon.Value) error {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		if strings.HasPrefix(s, "enc:") {
			return fail(ReasonMalformed, "unsupported format version")
		}
		return fail(ReasonMalformed, "not an encrypted value")
	}
	algName, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return fail(ReasonMalformed, "missing algorithm")
	}
	alg, err := keyring.ParseAlgorithm(algName)
	if err != nil {
		return fail(ReasonMalformed, "unknown algorithm")
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok || keyring.ValidateID(id) != nil {
		return fail(ReasonMalformed, "missing or invalid key id")
	}
	// Strict base64url without padding; line breaks are refused too.
	var derr error
	c.sealed, derr = appendDecodeURL(c.sealed[:0], readOnlyBytes(body))
	if derr != nil {
		return fail(ReasonMalformed, "payload is not base64url without padding")
	}
	k, ok := keys.Lookup(id)
	if !ok {
		return fail(ReasonUnknownKey, "key id "+id+" is not in the key ring")
	}
	ciph := k.Cipher(alg)
	if len(c.sealed) < ciph.Overhead() {
		return fail(ReasonTruncated, "payload shorter than nonce and tag")
	}
	c.ad = appendAD(c.ad[:0], readOnlyBytes(s[:len(s)-len(body)]), level, attrKey)
	c.pt, err = ciph.Open(c.pt[:0], c.sealed, c.ad)
	if err != nil {
		if errors.Is(err, keyring.ErrTruncated) {
			return fail(ReasonTruncated, "payload shorter than nonce and tag")
		}
		return fail(ReasonTampered, "authentication failed")
	}
	defer clear(c.pt)
	return decodeInto(c.pt, into)
}

// decodeInto decodes a plaintext into v, leaving v untouched on error.
func decodeInto(pt []byte, v pcommon.Value) error {
	if completeScalar(pt) {
		_ = DecodeValue(pt, v) // cannot fail on a complete scalar
		return nil
	}
	tmp := pcommon.NewValueEmpty()
	if DecodeValue(pt, tmp) != nil {
		return fail(ReasonMalformed, "invalid plaintext encoding")
	}
	tmp.CopyTo(v)
	return nil
}

// completeScalar reports whether pt is exactly one valid empty, bool, int,
// double or string value.
func completeScalar(pt []byte) bool {
	if len(pt) == 0 {
		return false
	}
	switch pt[0] {
	case tagEmpty:
		return len(pt) == 1
	case tagBool:
		return len(pt) == 2 && pt[1] <= 1
	case tagInt, tagDouble:
		return len(pt) == 9
	case tagString:
		_, rest, err := lengthPrefixed(pt[1:])
		return err == nil && len(rest) == 0
	}
	return false
}

// readOnlyBytes views s as bytes without copying; the result must not be
// written to.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) } //nolint:gosec // G103: callers only read
