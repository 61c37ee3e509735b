// Package testutil holds the test scaffolding every otelgate component
// shares, so a component's tests say only what is particular to it:
//
//   - [RunGolden] and [RunGoldenSignals] run the golden cases of
//     testdata/golden/<case>/{config,input,expected}.yaml; `go test -update`
//     rewrites the expected files from the component's output (review the
//     diff before keeping it).
//   - [IntSum], [Sum] and [IntSumBy] read the component's own metrics from an
//     sdkmetric reader (componenttest.Telemetry.Reader).
//   - [CheckReadme] unmarshals every example of a README's ```yaml blocks
//     into the component's config and validates it.
//   - [CheckProcessor], [CheckExporter] and [CheckExtension] check the
//     factory's config struct and the component's lifecycle (create, start,
//     consume one item, shut down; shut down without start), the tests
//     mdatagen would generate.
package testutil
