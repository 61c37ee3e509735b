// Package tenantauthextension implements the "tenant_auth" server
// authenticator: a client's bearer token is looked up in a tokens file and
// the token's tenant is put into the request's client.Info.Auth, so the
// tenant of the data is the tenant of the credential. Unknown or missing
// tokens are refused before any data is decoded and counted by reason.
package tenantauthextension
