// Package gatewayproc starts and stops otelgate processes the way an operator
// does: on free loopback ports given through environment variables, waiting for
// the health check, scraping the process's own Prometheus metrics, and stopping
// with SIGTERM. The end-to-end test harness, the demo and the end-to-end
// benchmark all run the gateway through it.
package gatewayproc
