// Package table holds the lookup tables of the enrichment processor: an
// immutable in-memory Table parsed from a CSV, JSON or YAML file, and a File
// that keeps the current Table behind an atomic pointer and swaps in a fully
// built replacement when the file changes.
package table
