package table

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ownershipSpec = Spec{Format: FormatCSV, KeyColumns: []string{"service.name"}, Prefix: "owner.", DefaultKey: "*", MaxRows: 100}

const ownershipCSV = `service.name,team,tier
checkout,payments,1
cart, payments ,2
search,,3
*,unassigned,3
`

func attrsOf(r *Row) map[string]string {
	if r == nil {
		return nil
	}
	m := map[string]string{}
	for _, a := range r.Attrs {
		m[a.Key] = a.Value
	}
	return m
}

func TestParseCSV(t *testing.T) {
	tb, err := Parse("own.csv", []byte(ownershipCSV), ownershipSpec)
	require.NoError(t, err)
	assert.Equal(t, 3, tb.Len())
	assert.Equal(t, map[string]string{"owner.team": "payments", "owner.tier": "1"}, attrsOf(tb.Lookup([]string{"checkout"})))
	// TrimLeadingSpace trims the leading blank only; a trailing one is data.
	assert.Equal(t, map[string]string{"owner.team": "payments ", "owner.tier": "2"}, attrsOf(tb.Lookup([]string{"cart"})))
	// An empty cell adds nothing.
	assert.Equal(t, map[string]string{"owner.tier": "3"}, attrsOf(tb.Lookup([]string{"search"})))
	assert.Nil(t, tb.Lookup([]string{"unknown"}))
	assert.Equal(t, map[string]string{"owner.team": "unassigned", "owner.tier": "3"}, attrsOf(tb.Default()))
}

func TestParseColumnsAndOrder(t *testing.T) {
	spec := ownershipSpec
	spec.Columns = []string{"tier"}
	tb, err := Parse("own.csv", []byte(ownershipCSV), spec)
	require.NoError(t, err)
	assert.Equal(t, []Attr{{Key: "owner.tier", Value: "1"}}, tb.Lookup([]string{"checkout"}).Attrs)
}

func TestParseJSONAndYAMLMatchCSV(t *testing.T) {
	js := `[
  {"service.name": "checkout", "team": "payments", "tier": 1},
  {"service.name": "cart", "team": "payments ", "tier": 2},
  {"service.name": "search", "team": null, "tier": 3},
  {"service.name": "*", "team": "unassigned", "tier": 3}
]`
	ym := `
- {service.name: checkout, team: payments, tier: 1}
- {service.name: cart, team: "payments ", tier: 2}
- {service.name: search, team: null, tier: 3}
- {service.name: "*", team: unassigned, tier: 3}
`
	want, err := Parse("own.csv", []byte(ownershipCSV), ownershipSpec)
	require.NoError(t, err)
	for _, c := range []struct {
		f    Format
		data string
	}{{FormatJSON, js}, {FormatYAML, ym}} {
		spec := ownershipSpec
		spec.Format = c.f
		got, err := Parse("own."+string(c.f), []byte(c.data), spec)
		require.NoError(t, err, c.f)
		assert.Equal(t, want.Len(), got.Len(), c.f)
		for _, k := range []string{"checkout", "cart", "search", "nope"} {
			assert.Equal(t, attrsOf(want.Lookup([]string{k})), attrsOf(got.Lookup([]string{k})), "%s %s", c.f, k)
		}
		assert.Equal(t, attrsOf(want.Default()), attrsOf(got.Default()), c.f)
	}
}

func TestCompositeKey(t *testing.T) {
	csv := "svc,route,slo\na,b/c,1\na/b,c,2\n"
	tb, err := Parse("r.csv", []byte(csv), Spec{Format: FormatCSV, KeyColumns: []string{"svc", "route"}})
	require.NoError(t, err)
	assert.Equal(t, "1", tb.Lookup([]string{"a", "b/c"}).Attrs[0].Value)
	assert.Equal(t, "2", tb.Lookup([]string{"a/b", "c"}).Attrs[0].Value)
	assert.Nil(t, tb.Lookup([]string{"a", "c"}))
	assert.Nil(t, tb.Lookup([]string{"a"}), "wrong number of key parts")
}

// TestParseErrorsNameFileAndLine checks that every rejected table says where.
func TestParseErrorsNameFileAndLine(t *testing.T) {
	for _, c := range []struct {
		name, data string
		format     Format
		want       string
	}{
		{"dup.csv", "service.name,team\na,x\nb,y\na,z\n", FormatCSV, "dup.csv:4: duplicate key \"a\" (first on line 2)"},
		{"fields.csv", "service.name,team\na,x\nb,y,extra\n", FormatCSV, "fields.csv:3: wrong number of fields"},
		{"quote.csv", "service.name,team\na,\"x\n", FormatCSV, "quote.csv:2:"},
		{"nokey.csv", "service,team\na,x\n", FormatCSV, "nokey.csv:1: header has no key column \"service.name\""},
		{"emptykey.csv", "service.name,team\na,x\n,y\n", FormatCSV, "emptykey.csv:3: key column \"service.name\" is empty"},
		{"empty.csv", "", FormatCSV, "empty.csv:1: empty file"},
		{"syntax.json", "[\n {\"service.name\": \"a\"},\n {\"service.name\": \"b\",,}\n]", FormatJSON, "syntax.json:3:"},
		{"nested.json", "[\n {\"service.name\": \"a\",\n  \"team\": {\"x\": 1}}\n]", FormatJSON, "nested.json:2: column \"team\": value must be a string"},
		{"dup.json", "[\n{\"service.name\": \"a\"},\n{\"service.name\": \"a\"}\n]", FormatJSON, "dup.json:3: duplicate key"},
		{"notarray.json", "{\"service.name\": \"a\"}", FormatJSON, "notarray.json:1: a JSON table is an array"},
		{"truncated.json", "[\n{\"service.name\": \"a\"},\n", FormatJSON, "truncated.json:3: unexpected end of file"},
		{"syntax.yaml", "- service.name: a\n- c: d: e\n", FormatYAML, "syntax.yaml:2: mapping values are not allowed"},
		{"dup.yaml", "- service.name: a\n  team: x\n- service.name: a\n", FormatYAML, "dup.yaml:3: duplicate key"},
		{"nokey.yaml", "- team: x\n", FormatYAML, "nokey.yaml:1: row has no key column"},
		{"map.yaml", "service.name: a\n", FormatYAML, "map.yaml:1: a YAML table is a sequence"},
		{"rows.csv", "service.name\na\nb\nc\n", FormatCSV, "rows.csv:4: more than max_rows=2 rows"},
		{"twodefaults.csv", "service.name,t\n*,x\n*,y\n", FormatCSV, "twodefaults.csv:3: second default row (the first is on line 2)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.name, []byte(c.data), Spec{Format: c.format, KeyColumns: []string{"service.name"}, DefaultKey: "*", MaxRows: 2})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			var te *Error
			require.ErrorAs(t, err, &te)
			assert.Equal(t, c.name, te.File)
			assert.Positive(t, te.Line, "line known")
		})
	}
}

// TestLookupDoesNotAllocate: a hit is one map access; composite keys are
// encoded on the stack.
func TestLookupDoesNotAllocate(t *testing.T) {
	tb, err := Parse("r.csv", []byte("svc,route,slo\ncheckout,/api/v1/items,1\n"), Spec{Format: FormatCSV, KeyColumns: []string{"svc", "route"}})
	require.NoError(t, err)
	single, err := Parse("own.csv", []byte(ownershipCSV), ownershipSpec)
	require.NoError(t, err)
	vals := []string{"checkout", "/api/v1/items"}
	one := []string{"checkout"}
	allocs := testing.AllocsPerRun(1000, func() {
		if tb.Lookup(vals) == nil || single.Lookup(one) == nil {
			t.Fatal("miss")
		}
	})
	assert.Zero(t, allocs)
}

func TestFileReloadKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "own.csv")
	require.NoError(t, os.WriteFile(path, []byte(ownershipCSV), 0o600))
	f, err := Open(path, ownershipSpec)
	require.NoError(t, err)
	first := f.Table()

	changed, err := f.Reload()
	require.NoError(t, err)
	assert.False(t, changed, "identical content is not a reload")
	assert.Same(t, first, f.Table())

	require.NoError(t, os.WriteFile(path, []byte("service.name,team\ncheckout,x\ncheckout,y\n"), 0o600))
	changed, err = f.Reload()
	require.ErrorContains(t, err, path+":3: duplicate key")
	assert.False(t, changed)
	assert.Same(t, first, f.Table(), "the old table stays")

	require.NoError(t, os.Remove(path))
	_, err = f.Reload()
	require.ErrorContains(t, err, path)
	assert.Same(t, first, f.Table())

	writeAtomically(t, path, "service.name,team\ncheckout,new\n")
	changed, err = f.Reload()
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, "new", f.Table().Lookup([]string{"checkout"}).Attrs[0].Value)
}

func TestOpenFailsNamingFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(path, []byte("service.name,team\na,\"x\n"), 0o600))
	_, err := Open(path, ownershipSpec)
	require.ErrorContains(t, err, path+":2:")
	_, err = Open(filepath.Join(t.TempDir(), "missing.csv"), ownershipSpec)
	require.ErrorContains(t, err, "missing.csv")
}

func TestFileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	fh, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, fh.Truncate(MaxFileBytes+1))
	require.NoError(t, fh.Close())
	_, err = Open(path, ownershipSpec)
	require.ErrorContains(t, err, "larger than "+strconv.Itoa(MaxFileBytes))
}

func writeAtomically(t testing.TB, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}
