package keyring // import "github.com/otelgate/otelgate/extension/keyringextension/keyring"

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileMode is the mode WriteFile gives a key file.
const FileMode os.FileMode = 0o600

// maxFileSize bounds what ReadFile reads.
const maxFileSize = 1 << 20

// fileKey and file are the key file layout (YAML, or JSON which is YAML too):
//
//	active: k2
//	keys:
//	  - id: k1
//	    key: <32 bytes, standard base64 with padding>
//	  - id: k2
//	    key: ...
type file struct {
	Active string    `yaml:"active" json:"active"`
	Keys   []fileKey `yaml:"keys" json:"keys"`
}

type fileKey struct {
	ID  string `yaml:"id" json:"id"`
	Key string `yaml:"key" json:"key"`
}

var yamlLine = regexp.MustCompile(`line \d+`)

// Parse reads a key ring from the bytes of a key file. Its errors never quote
// the file's content.
func Parse(data []byte) (*Ring, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); errors.Is(err, io.EOF) {
		return nil, errors.New("empty key ring document")
	} else if err != nil {
		// The YAML library may quote the offending text, which could be key
		// material: keep only the line number.
		where := yamlLine.FindString(err.Error())
		if where == "" {
			where = "somewhere"
		}
		return nil, fmt.Errorf("not a valid key ring document (error at %s)", where)
	}
	keys := make([]*Key, 0, len(f.Keys))
	for i, fk := range f.Keys {
		m, err := DecodeMaterial(fk.Key)
		if err != nil {
			return nil, fmt.Errorf("keys[%d] (id %q): %w", i, fk.ID, err)
		}
		k, err := NewKey(fk.ID, m)
		clear(m)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	return NewRing(keys, f.Active)
}

// DecodeMaterial decodes base64 (standard or URL alphabet, padded or not) key
// material and checks its length. Its errors never quote the input.
func DecodeMaterial(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("key: empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if m, err := enc.DecodeString(s); err == nil {
			if len(m) != KeySize {
				return nil, fmt.Errorf("key: must decode to %d bytes, got %d", KeySize, len(m))
			}
			return m, nil
		}
	}
	return nil, errors.New("key: not valid base64")
}

// Marshal returns the key file document of a ring.
func Marshal(r *Ring) []byte {
	var b bytes.Buffer
	b.WriteString("# otelgate key ring: keep this file secret (mode 0600).\n")
	b.WriteString("# The active key encrypts; every key listed decrypts.\n")
	fmt.Fprintf(&b, "active: %s\nkeys:\n", r.active.id)
	for _, k := range r.Keys() {
		fmt.Fprintf(&b, "  - id: %s\n    key: %s\n", k.id, base64.StdEncoding.EncodeToString(k.material))
	}
	return b.Bytes()
}

// CheckMode refuses a key file that others may access or group may write or
// execute. Group read is accepted: Kubernetes grants it to the pod's fsGroup
// on every file of a Secret volume (defaultMode 0400 becomes 0440), and
// without fsGroup a non-root process cannot read a Secret file at all.
func CheckMode(path string, mode os.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode.Perm()&0o037 != 0 {
		return fmt.Errorf("key file %s: mode %04o gives access to others or write access to group; run chmod 600 %s", path, mode.Perm(), path)
	}
	return nil
}

// ReadFile reads a key file after checking that only its owner may read it.
func ReadFile(path string) (*Ring, error) {
	data, err := ReadFileBytes(path)
	if err != nil {
		return nil, err
	}
	r, err := Parse(data)
	clear(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return r, nil
}

// ReadFileBytes returns the content of a key file after the mode check.
func ReadFileBytes(path string) ([]byte, error) {
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
		return nil, fmt.Errorf("key file %s: not a regular file", path)
	}
	if err := CheckMode(path, fi.Mode()); err != nil {
		return nil, err
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("key file %s: larger than %d bytes", path, maxFileSize)
	}
	data := make([]byte, 0, fi.Size()+1)
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// WriteFile writes a ring to path with mode 0600, replacing any existing file
// atomically (write to a temporary file in the same directory, then rename).
// With exclusive set it refuses to replace an existing file.
func WriteFile(path string, r *Ring, exclusive bool) error {
	if exclusive {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s already exists", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(FileMode); err != nil {
		_ = tmp.Close() // the first error is the one to report
		return err
	}
	data := Marshal(r)
	_, err = tmp.Write(data)
	clear(data)
	if err != nil {
		_ = tmp.Close() // the first error is the one to report
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the first error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
