package tokens // import "github.com/otelgate/otelgate/extension/tenantauthextension/tokens"

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the tokens file.
const MaxFileSize = 1 << 20

// MinTokenLength is the shortest token accepted in the file: shorter ones are
// guessable.
const MinTokenLength = 16

// Set maps tokens to tenants. It keeps only SHA-256 digests of the tokens.
// A Set is immutable.
type Set struct {
	digests [][sha256.Size]byte
	tenants []string
}

// Len is the number of tokens.
func (s *Set) Len() int { return len(s.digests) }

// Tenant returns the tenant of token. Every stored digest is compared, in
// constant time, whatever the token: the time taken says nothing about which
// token, if any, matched.
func (s *Set) Tenant(token []byte) (string, bool) {
	d := sha256.Sum256(token)
	found := -1
	for i := range s.digests {
		if subtle.ConstantTimeCompare(d[:], s.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return s.tenants[found], true
}

type fileEntry struct {
	Tenant string `yaml:"tenant"`
	Token  string `yaml:"token"`
}

type fileContent struct {
	Tokens []fileEntry `yaml:"tokens"`
}

// Parse reads a tokens file:
//
//	tokens:
//	  - tenant: acme
//	    token: 3q2-7w...
//
// Its errors name entries by position and tenant, never by token.
func Parse(data []byte) (*Set, error) {
	var fc fileContent
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil {
		// yaml errors may quote the offending line, which can hold a token.
		return nil, errors.New("not a tokens file (want tokens: [{tenant: ..., token: ...}])")
	}
	s := &Set{}
	seen := map[[sha256.Size]byte]int{}
	for i, e := range fc.Tokens {
		if strings.TrimSpace(e.Tenant) == "" {
			return nil, fmt.Errorf("tokens[%d].tenant: must not be empty", i)
		}
		if len(e.Token) < MinTokenLength {
			return nil, fmt.Errorf("tokens[%d].token (tenant %q): must be at least %d characters, got %d", i, e.Tenant, MinTokenLength, len(e.Token))
		}
		if strings.ContainsAny(e.Token, " \t\r\n") {
			return nil, fmt.Errorf("tokens[%d].token (tenant %q): must not contain white space", i, e.Tenant)
		}
		d := sha256.Sum256([]byte(e.Token))
		if j, dup := seen[d]; dup {
			return nil, fmt.Errorf("tokens[%d].token (tenant %q): same token as tokens[%d]", i, e.Tenant, j)
		}
		seen[d] = i
		s.digests = append(s.digests, d)
		s.tenants = append(s.tenants, e.Tenant)
	}
	if len(s.digests) == 0 {
		return nil, errors.New("tokens: no token given")
	}
	return s, nil
}

// CheckMode refuses a tokens file that others may access or group may write.
// Group read is accepted: Kubernetes grants it to the pod's fsGroup on every
// file of a Secret volume.
func CheckMode(path string, mode os.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode.Perm()&0o037 != 0 {
		return fmt.Errorf("tokens file %s: mode %04o gives access to others or write access to group; run chmod 600 %s", path, mode.Perm(), path)
	}
	return nil
}

// ReadFile returns the content of a tokens file after the mode check.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("tokens file %s: not a regular file", path)
	}
	if err := CheckMode(path, fi.Mode()); err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("tokens file %s: larger than %d bytes", path, MaxFileSize)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	return buf.Bytes(), nil
}
