// Package cardinality bounds the distinct values of metric attributes per
// window. It knows metric names, attribute keys and value texts only.
package cardinality
