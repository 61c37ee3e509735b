// Package attributefilterprocessor implements the "attribute_filter"
// processor: in one compiled pass over each batch it drops records by rule,
// deletes or allow-lists attribute keys, truncates oversized values and
// bounds the cardinality of metric attributes, what otherwise takes a chain
// of contrib filter, attributes and redaction processors.
package attributefilterprocessor // import "github.com/otelgate/otelgate/processor/attributefilterprocessor"
