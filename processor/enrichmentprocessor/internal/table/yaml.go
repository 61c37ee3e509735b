package table

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseYAML reads a sequence of mappings whose values are scalars.
func parseYAML(file string, data []byte, b *builder) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // an empty file is an empty table
	}
	seq := doc.Content[0]
	if seq.Kind != yaml.SequenceNode {
		return &Error{File: file, Line: seq.Line, Msg: "a YAML table is a sequence of mappings"}
	}
	rec := map[string]string{}
	var order []string
	for _, n := range seq.Content {
		if n.Kind != yaml.MappingNode {
			return &Error{File: file, Line: n.Line, Msg: "a row must be a mapping"}
		}
		clear(rec)
		order = order[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			if v.Kind != yaml.ScalarNode {
				return &Error{File: file, Line: v.Line, Msg: fmt.Sprintf("column %q: value must be a scalar", k.Value)}
			}
			if _, dup := rec[k.Value]; dup {
				return &Error{File: file, Line: k.Line, Msg: fmt.Sprintf("duplicate column %q", k.Value)}
			}
			val := v.Value
			if v.Tag == "!!null" {
				val = ""
			}
			rec[k.Value] = val
			order = append(order, k.Value)
		}
		sort.Strings(order)
		if err := b.add(n.Line, rec, order); err != nil {
			return err
		}
	}
	return nil
}

func yamlError(file string, err error) error {
	msg := err.Error()
	// Syntax errors read "yaml: line N: ...".
	var line int
	if _, scanErr := fmt.Sscanf(msg, "yaml: line %d:", &line); scanErr == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			if j := strings.Index(msg[i+2:], ": "); j >= 0 {
				msg = msg[i+2+j+2:]
			}
		}
		return &Error{File: file, Line: line, Msg: msg}
	}
	return &Error{File: file, Msg: msg}
}
