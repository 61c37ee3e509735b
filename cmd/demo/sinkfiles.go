package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// countSinkFiles counts the items the demo sink wrote as OTLP/JSON lines.
func countSinkFiles(dir string) (map[string]int64, error) {
	counts := map[string]int64{}
	decoders := map[string]func([]byte) (int, error){
		"traces": func(b []byte) (int, error) {
			td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
			return td.SpanCount(), err
		},
		"metrics": func(b []byte) (int, error) {
			md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(b)
			return md.DataPointCount(), err
		},
		"logs": func(b []byte) (int, error) {
			ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
			return ld.LogRecordCount(), err
		},
	}
	for sig, decode := range decoders {
		path := filepath.Join(dir, sig+".jsonl")
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
		line := 0
		for sc.Scan() {
			line++
			if len(sc.Bytes()) == 0 {
				continue
			}
			n, err := decode(sc.Bytes())
			if err != nil {
				_ = f.Close()
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			counts[sig] += int64(n)
		}
		err = sc.Err()
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return counts, nil
}
