package table

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: no file content makes Parse panic; it returns a table or an
// error naming the file, and a table it returns answers lookups.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"service.name,team\ncheckout,a\n*,b\n",
		"service.name,team\n\"unterminated,a\n",
		"service.name,team\ncheckout,a,extra\n",
		`[{"service.name":"checkout","team":"a","tier":1},{"service.name":"*","team":null}]`,
		`[{"service.name":{"nested":1}}]`,
		`{"not":"an array"}`,
		"- service.name: checkout\n  team: a\n- service.name: '*'\n  team: b\n",
		"- service.name: [a, b]\n",
		"- &a {service.name: x}\n- *a\n",
		"",
		"\xff\xfe",
	} {
		f.Add(seed)
	}
	specs := []Spec{
		{Format: FormatCSV, KeyColumns: []string{"service.name"}, DefaultKey: "*", MaxRows: 100},
		{Format: FormatJSON, KeyColumns: []string{"service.name"}, DefaultKey: "*", MaxRows: 100},
		{Format: FormatYAML, KeyColumns: []string{"service.name"}, DefaultKey: "*", MaxRows: 100},
		{Format: FormatCSV, KeyColumns: []string{"service.name", "team"}, Prefix: "p.", MaxRows: 100},
	}
	f.Fuzz(func(t *testing.T, data string) {
		for _, spec := range specs {
			tbl, err := Parse("fuzz.table", []byte(data), spec)
			if err != nil {
				var te *Error
				if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "fuzz.table") {
					t.Fatalf("%s: error does not name the file: %v", spec.Format, err)
				}
				continue
			}
			if tbl.Len() > spec.MaxRows {
				t.Fatalf("%d rows, max_rows %d", tbl.Len(), spec.MaxRows)
			}
			key := make([]string, len(spec.KeyColumns))
			for i := range key {
				key[i] = "checkout"
			}
			_ = tbl.Lookup(key)
			_ = tbl.Default()
		}
	})
}
