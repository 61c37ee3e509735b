package source

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// AuthAttribute copies one attribute of the authenticated identity
// (client.Info.Auth, set by a server authenticator such as tenant_auth).
type AuthAttribute struct {
	Attribute string
	Key       string
}

// Auth writes attributes of the authenticated identity, always overwriting:
// a value the client sent under the same key never survives. A request
// without the auth attribute has the key removed, so an unauthenticated
// value cannot pass for an authenticated one.
type Auth struct {
	level Level
	attrs []AuthAttribute
}

// NewAuth returns a source copying the auth attributes of attrs at level.
func NewAuth(level Level, attrs []AuthAttribute) *Auth {
	return &Auth{level: level, attrs: attrs}
}

func (a *Auth) Level() Level { return a.level }

// Bind resolves the identity of the request once.
func (a *Auth) Bind(ctx context.Context) Binding {
	auth := client.FromContext(ctx).Auth
	b := make(authBinding, len(a.attrs))
	for i, at := range a.attrs {
		b[i].key = at.Key
		if auth == nil {
			continue
		}
		switch v := auth.GetAttribute(at.Attribute).(type) {
		case nil:
		case string:
			b[i].value, b[i].present = v, v != ""
		default:
			b[i].value, b[i].present = fmt.Sprint(v), true
		}
	}
	return b
}

type authValue struct {
	key, value string
	present    bool
}

type authBinding []authValue

func (b authBinding) Apply(attrs, _ pcommon.Map, st *Stats) {
	for i := range b {
		v := &b[i]
		if !v.present {
			attrs.Remove(v.key)
			continue
		}
		if Upsert.Put(attrs, v.key, v.value) {
			st.Added[KindAuth]++
		}
	}
}
