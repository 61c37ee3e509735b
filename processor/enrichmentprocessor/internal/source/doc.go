// Package source holds the enrichment processor's sources of attributes:
// static values, the gateway's environment, lookup tables, request
// metadata and the authenticated identity. Each is a small type implementing Source.
package source
