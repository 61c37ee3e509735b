// Package match holds the compiled matchers of the attribute_filter processor:
// plain Go values tested against plain Go values, with no pdata in sight.
package match
