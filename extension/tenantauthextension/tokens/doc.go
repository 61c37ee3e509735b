// Package tokens reads the tenant_auth tokens file and finds the tenant of a
// presented token in constant time.
package tokens // import "github.com/otelgate/otelgate/extension/tenantauthextension/tokens"
