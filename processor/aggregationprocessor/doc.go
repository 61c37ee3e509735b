// Package aggregationprocessor aggregates metric data points over time
// windows and across dropped attributes.
package aggregationprocessor
