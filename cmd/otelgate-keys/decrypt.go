package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func decryptOne(file, keyName, levelName, value string, stdout io.Writer) error {
	if file == "" {
		return fmt.Errorf("decrypt: --file is required: %w", errUsage)
	}
	level, err := codec.ParseLevel(levelName)
	if err != nil {
		return fmt.Errorf("decrypt: --level: %w", err)
	}
	r, err := keyring.ReadFile(file)
	if err != nil {
		return err
	}
	var c codec.Codec
	v := pcommon.NewValueEmpty()
	if err := c.Decrypt(r, level, keyName, value, v); err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if v.Type() == pcommon.ValueTypeStr {
		fmt.Fprintln(stdout, v.Str())
		return nil
	}
	b, err := json.Marshal(v.AsRaw())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s)\n", b, v.Type())
	return nil
}

// maxLine bounds one JSON document of an export.
const maxLine = 256 << 20

func decryptJSON(file, in, out string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if file == "" {
		return 1, fmt.Errorf("decrypt-json: --file is required: %w", errUsage)
	}
	r, err := keyring.ReadFile(file)
	if err != nil {
		return 1, err
	}
	src := stdin
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		src = f
	}
	dst := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return 1, err
		}
		defer f.Close()
		dst = f
	}
	data, err := io.ReadAll(io.LimitReader(src, maxLine+1))
	if err != nil {
		return 1, err
	}
	if len(data) > maxLine {
		return 1, fmt.Errorf("decrypt-json: input larger than %d bytes", maxLine)
	}
	w := &walker{ring: r, failures: map[string]int{}}
	docs := splitDocuments(data)
	bw := bufio.NewWriter(dst)
	for i, doc := range docs {
		res, err := w.document(doc)
		if err != nil {
			return 1, fmt.Errorf("decrypt-json: document %d: %w", i+1, err)
		}
		res = append(res, '\n')
		if _, err := bw.Write(res); err != nil {
			return 1, err
		}
	}
	if err := bw.Flush(); err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "decrypted %d values in %d documents", w.decrypted, len(docs))
	if len(w.failures) == 0 {
		fmt.Fprintln(stderr)
		return 0, nil
	}
	var reasons []string
	for k, n := range w.failures {
		reasons = append(reasons, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(reasons)
	fmt.Fprintf(stderr, "; left %s encrypted (%s)\n", plural(w.failed()), strings.Join(reasons, " "))
	return 2, nil
}

func plural(n int) string {
	if n == 1 {
		return "1 value"
	}
	return fmt.Sprintf("%d values", n)
}

// splitDocuments returns one document, or one per non-empty line when the
// input is JSON lines.
func splitDocuments(data []byte) [][]byte {
	trimmed := bytes.TrimSpace(data)
	if json.Valid(trimmed) {
		return [][]byte{trimmed}
	}
	var docs [][]byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			docs = append(docs, line)
		}
	}
	return docs
}
