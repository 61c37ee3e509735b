package tenantauthextension // import "github.com/otelgate/otelgate/extension/tenantauthextension"

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensionauth"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelgate/otelgate/extension/tenantauthextension/internal/metadata"
	"github.com/otelgate/otelgate/extension/tenantauthextension/tokens"
)

// AttributeTenant is the client.Info.Auth attribute holding the tenant of the
// authenticated token.
const AttributeTenant = "tenant"

// Reasons a request is refused, the reason label of the rejected counter.
const (
	ReasonMissing      = "missing"       // no credential header
	ReasonMalformed    = "malformed"     // header without the scheme or with an empty token
	ReasonUnknownToken = "unknown_token" // a token not in the file
)

var (
	errMissing   = errors.New("missing credentials")
	errMalformed = errors.New("malformed credentials")
	errUnknown   = errors.New("invalid credentials")
)

var (
	outcomeSuccess = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "success")))
	outcomeFailure = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "failure")))
)

type tenantAuth struct {
	cfg       *Config
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	header, headerCanonical string
	prefix                  string // "bearer " (lower case) or ""

	set atomic.Pointer[tokens.Set]

	// opts caches the tenant attribute sets of the authenticated counter.
	opts sync.Map // tenant -> metric.AddOption
	// rejected holds one option per reason.
	rejected map[string]metric.AddOption

	lastHash [sha256.Size]byte
	lastErr  string
	stop     chan struct{}
	done     sync.WaitGroup
}

var (
	_ extension.Extension  = (*tenantAuth)(nil)
	_ extensionauth.Server = (*tenantAuth)(nil)
)

func newTenantAuth(cfg *Config, set component.TelemetrySettings) (*tenantAuth, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	a := &tenantAuth{
		cfg: cfg, logger: set.Logger, telemetry: tb,
		header:          strings.ToLower(cfg.Header),
		headerCanonical: http.CanonicalHeaderKey(cfg.Header),
		rejected:        map[string]metric.AddOption{},
	}
	if s := cfg.scheme(); s != "" {
		a.prefix = strings.ToLower(s) + " "
	}
	for _, r := range []string{ReasonMissing, ReasonMalformed, ReasonUnknownToken} {
		a.rejected[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r)))
	}
	return a, nil
}

func (a *tenantAuth) Start(context.Context, component.Host) error {
	data, err := tokens.ReadFile(a.cfg.File)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tokens file %s does not exist; see the tenant_auth README for its format (make keys writes a local one)", a.cfg.File)
	}
	if err != nil {
		return err
	}
	s, err := tokens.Parse(data)
	a.lastHash = sha256.Sum256(data)
	clear(data)
	if err != nil {
		return fmt.Errorf("tokens file %s: %w", a.cfg.File, err)
	}
	a.set.Store(s)
	a.logger.Info("tokens loaded", zap.String("file", a.cfg.File), zap.Int("tokens", s.Len()))
	if err := a.telemetry.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(a.telemetry.ExtensionTenantAuthTokens, int64(a.set.Load().Len()))
		return nil
	}); err != nil {
		return err
	}
	if a.cfg.PollInterval > 0 {
		a.stop = make(chan struct{})
		a.done.Add(1)
		go a.watch()
	}
	return nil
}

func (a *tenantAuth) Shutdown(context.Context) error {
	if a.stop != nil {
		close(a.stop)
		a.done.Wait()
		a.stop = nil
	}
	a.telemetry.Shutdown()
	return nil
}

// watch re-reads the file every poll interval. Kubernetes updates a Secret
// volume by swapping a symlink, which a poll of the content always sees.
func (a *tenantAuth) watch() {
	defer a.done.Done()
	t := time.NewTicker(a.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.reload()
		}
	}
}

// reload reads the file and swaps in its tokens when its content changed; a
// file that fails to read or parse keeps the previous tokens.
func (a *tenantAuth) reload() {
	data, err := tokens.ReadFile(a.cfg.File)
	var s *tokens.Set
	if err == nil {
		h := sha256.Sum256(data)
		if bytes.Equal(h[:], a.lastHash[:]) {
			clear(data)
			return
		}
		s, err = tokens.Parse(data)
		clear(data)
		if err == nil {
			a.lastHash = h
		} else {
			err = fmt.Errorf("tokens file %s: %w", a.cfg.File, err)
		}
	}
	ctx := context.Background()
	if err != nil {
		if err.Error() != a.lastErr {
			a.lastErr = err.Error()
			a.telemetry.ExtensionTenantAuthReloads.Add(ctx, 1, outcomeFailure)
			a.logger.Error("tokens file reload failed, keeping the previous tokens", zap.Error(err))
		}
		return
	}
	a.lastErr = ""
	a.set.Store(s)
	a.telemetry.ExtensionTenantAuthReloads.Add(ctx, 1, outcomeSuccess)
	a.logger.Info("tokens reloaded", zap.String("file", a.cfg.File), zap.Int("tokens", s.Len()))
}

// Authenticate finds the tenant of the request's token and puts it into
// client.Info.Auth; a request without a known token is refused (the
// receivers answer HTTP 401 / gRPC Unauthenticated). Errors never carry the
// token.
func (a *tenantAuth) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	vals, ok := headers[a.headerCanonical]
	if !ok {
		vals, ok = headers[a.header]
	}
	if !ok || len(vals) == 0 || vals[0] == "" {
		return ctx, a.reject(ctx, ReasonMissing, errMissing)
	}
	v := vals[0]
	if a.prefix != "" {
		if len(v) <= len(a.prefix) || !strings.EqualFold(v[:len(a.prefix)], a.prefix) {
			return ctx, a.reject(ctx, ReasonMalformed, errMalformed)
		}
		v = v[len(a.prefix):]
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return ctx, a.reject(ctx, ReasonMalformed, errMalformed)
	}
	tenant, ok := a.set.Load().Tenant([]byte(v))
	if !ok {
		return ctx, a.reject(ctx, ReasonUnknownToken, errUnknown)
	}
	a.telemetry.ExtensionTenantAuthAuthenticated.Add(ctx, 1, a.tenantOpt(tenant))
	cl := client.FromContext(ctx)
	cl.Auth = authData{tenant: tenant}
	return client.NewContext(ctx, cl), nil
}

func (a *tenantAuth) reject(ctx context.Context, reason string, err error) error {
	a.telemetry.ExtensionTenantAuthRejected.Add(ctx, 1, a.rejected[reason])
	return err
}

func (a *tenantAuth) tenantOpt(tenant string) metric.AddOption {
	if o, ok := a.opts.Load(tenant); ok {
		return o.(metric.AddOption)
	}
	o := metric.WithAttributeSet(attribute.NewSet(attribute.String("tenant", tenant)))
	a.opts.Store(tenant, o)
	return o
}

// authData is the identity of an authenticated request.
type authData struct {
	tenant string
}

var _ client.AuthData = authData{}

func (d authData) GetAttribute(name string) any {
	if name == AttributeTenant {
		return d.tenant
	}
	return nil
}

func (authData) GetAttributeNames() []string { return []string{AttributeTenant} }
