package codec_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

// decryptString decrypts a string attribute of the otelgate format with the
// standard library and golang.org/x/crypto only, the way a backend written
// in any language would: split the header, rebuild the associated data, open,
// read the type tag.
func decryptString(key []byte, level, attrKey, value string) (string, error) {
	parts := strings.SplitN(value, ":", 5) // enc, v1, algorithm, key-id, payload
	if len(parts) != 5 || parts[0] != "enc" || parts[1] != "v1" {
		return "", errors.New("not an otelgate v1 value")
	}
	var aead cipher.AEAD
	var err error
	switch parts[2] {
	case "aes256gcm":
		block, _ := aes.NewCipher(key)
		aead, err = cipher.NewGCM(block)
	case "chacha20poly1305":
		aead, err = chacha20poly1305.New(key)
	default:
		return "", errors.New("algorithm not handled by this example")
	}
	if err != nil {
		return "", err
	}
	sealed, err := base64.RawURLEncoding.DecodeString(parts[4])
	if err != nil || len(sealed) < 12+16 {
		return "", errors.New("bad payload")
	}
	ad := "enc:v1:" + parts[2] + ":" + parts[3] + ":" + level + ":" + attrKey
	pt, err := aead.Open(nil, sealed[:12], sealed[12:], []byte(ad))
	if err != nil {
		return "", err
	}
	if len(pt) == 0 || pt[0] != 0x01 { // 0x01: string
		return "", errors.New("not a string value")
	}
	n, w := binary.Uvarint(pt[1:])
	if w <= 0 || uint64(len(pt)-1-w) != n {
		return "", errors.New("bad length")
	}
	return string(pt[1+w:]), nil
}

func Example_decryptWithoutOtelgate() {
	material := []byte("0123456789abcdef0123456789abcdef") // test-only key
	k, _ := keyring.NewKey("demo-2026", material)
	var c codec.Codec
	for _, alg := range []keyring.Algorithm{keyring.AES256GCM, keyring.ChaCha20Poly1305} {
		s, _ := c.Encrypt(k, alg, codec.LevelRecord, "user.email", pcommon.NewValueStr("alice@example.com"))
		plain, err := decryptString(material, "record", "user.email", s)
		fmt.Println(strings.Join(strings.SplitN(s, ":", 5)[:4], ":"), plain, err)
		_, err = decryptString(material, "record", "user.id", s)
		fmt.Println("moved to user.id:", err)
	}
	// Output:
	// enc:v1:aes256gcm:demo-2026 alice@example.com <nil>
	// moved to user.id: cipher: message authentication failed
	// enc:v1:chacha20poly1305:demo-2026 alice@example.com <nil>
	// moved to user.id: chacha20poly1305: message authentication failed
}
