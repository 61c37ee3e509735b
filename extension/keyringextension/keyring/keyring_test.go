package keyring

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretForms are the spellings of key material that must never leak.
func secretForms(m []byte) []string {
	return []string{string(m), base64.StdEncoding.EncodeToString(m), base64.RawStdEncoding.EncodeToString(m),
		base64.URLEncoding.EncodeToString(m), base64.RawURLEncoding.EncodeToString(m), fmt.Sprintf("%x", m)}
}

func TestFileRoundTripAndMode(t *testing.T) {
	k1, err := GenerateKey("k1")
	require.NoError(t, err)
	k2, err := GenerateKey("k2")
	require.NoError(t, err)
	r, err := NewRing([]*Key{k1, k2}, "k2")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "keys.yaml")
	require.NoError(t, WriteFile(path, r, true))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.ErrorContains(t, WriteFile(path, r, true), "already exists")

	back, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"k1", "k2"}, back.IDs())
	assert.Equal(t, "k2", back.Active().ID())
	got, _ := back.Lookup("k1")
	assert.Equal(t, k1.material, got.material)

	for _, mode := range []os.FileMode{0o604, 0o644, 0o660, 0o610, 0o620, 0o601, 0o602, 0o460} {
		require.NoError(t, os.Chmod(path, mode))
		_, err := ReadFile(path)
		require.Error(t, err, "mode %04o", mode)
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), fmt.Sprintf("%04o", mode))
	}
	// Owner-only, and group read as Kubernetes gives a Secret file of a pod
	// with fsGroup (defaultMode 0400 becomes 0440).
	for _, mode := range []os.FileMode{0o400, 0o600, 0o440, 0o640} {
		require.NoError(t, os.Chmod(path, mode))
		_, err = ReadFile(path)
		assert.NoError(t, err, "mode %04o", mode)
	}
}

func TestParseErrorsNeverQuoteKeys(t *testing.T) {
	m := bytes.Repeat([]byte{0xA5}, KeySize)
	good := base64.StdEncoding.EncodeToString(m)
	short := base64.StdEncoding.EncodeToString(m[:16])
	cases := map[string]string{
		"wrong type":   "active: k1\nkeys:\n  - id: k1\n    key: [" + good + "]\n",
		"bad yaml":     "active: k1\nkeys:\n  - id: k1\n    key: " + good + "\n   bad: indent: " + good + "\n",
		"short key":    "active: k1\nkeys:\n  - id: k1\n    key: " + short + "\n",
		"not base64":   "active: k1\nkeys:\n  - id: k1\n    key: '" + good[:20] + "!!" + good[22:] + "'\n",
		"unknown":      "active: k1\nkeys:\n  - id: k1\n    key: " + good + "\n    secret: " + good + "\n",
		"no active":    "keys:\n  - id: k1\n    key: " + good + "\n",
		"dup":          "active: k1\nkeys:\n  - id: k1\n    key: " + good + "\n  - id: k1\n    key: " + good + "\n",
		"bad id":       "active: k1\nkeys:\n  - id: 'k:1'\n    key: " + good + "\n",
		"active gone":  "active: k9\nkeys:\n  - id: k1\n    key: " + good + "\n",
		"empty":        "",
		"no keys":      "active: k1\nkeys: []\n",
		"key is a map": "active: k1\nkeys:\n  - id: k1\n    key: {" + good + ": 1}\n",
	}
	for name, doc := range cases {
		_, err := Parse([]byte(doc))
		require.Error(t, err, name)
		for _, f := range append(secretForms(m), good[:20], short) {
			assert.NotContains(t, err.Error(), f, "%s: error %q quotes key material", name, err)
		}
	}
	_, err := Parse([]byte("active: k1\nkeys:\n  - id: k1\n    key: " + good + "\n"))
	require.NoError(t, err)
	_, err = Parse([]byte(`{"active": "k1", "keys": [{"id": "k1", "key": "` + base64.RawURLEncoding.EncodeToString(m) + `"}]}`))
	require.NoError(t, err, "JSON with the URL alphabet")
}

func TestKeyNeverPrintsMaterial(t *testing.T) {
	m := bytes.Repeat([]byte{0x5A}, KeySize)
	k, err := NewKey("k1", m)
	require.NoError(t, err)
	r, _ := NewRing([]*Key{k}, "k1")
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %x %q", k, k, k, k, k, k), fmt.Sprintf("%+v %#v", r, r)} {
		for _, f := range secretForms(m) {
			assert.NotContains(t, s, f)
		}
		assert.NotContains(t, s, "5a5a5a")
	}
	assert.Equal(t, "key(k1)", k.String())
}

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"k1", "demo-2026.01_a", strings.Repeat("a", 64)} {
		require.NoError(t, ValidateID(ok), ok)
	}
	for _, bad := range []string{"", "a:b", "a b", "ä", strings.Repeat("a", 65)} {
		require.Error(t, ValidateID(bad), bad)
	}
	_, err := NewKey("k1", make([]byte, 31))
	assert.ErrorContains(t, err, "must be 32 bytes, got 31")
}

func TestCiphersRoundTripAndBindAD(t *testing.T) {
	k, err := GenerateKey("k1")
	require.NoError(t, err)
	for _, a := range Algorithms() {
		c := k.Cipher(a)
		sealed, err := c.Seal([]byte("prefix"), []byte("hello"), []byte("ad"))
		require.NoError(t, err)
		require.Equal(t, "prefix", string(sealed[:6]), "Seal appends to dst")
		assert.Len(t, sealed, 6+5+c.Overhead())
		pt, err := c.Open(nil, sealed[6:], []byte("ad"))
		require.NoError(t, err, a.String())
		assert.Equal(t, "hello", string(pt))
		_, err = c.Open(nil, sealed[6:], []byte("other"))
		require.ErrorIs(t, err, ErrAuthentication, a.String())
		_, err = c.Open(nil, sealed[6:6+c.Overhead()-1], []byte("ad"))
		require.ErrorIs(t, err, ErrTruncated, a.String())
		back, err := ParseAlgorithm(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, back)
	}
	assert.Nil(t, k.Cipher(Algorithm(200)))
	_, err = ParseAlgorithm("des")
	assert.ErrorContains(t, err, `unknown algorithm "des"`)
}
