// Package validate checks otelgate's Kubernetes manifests: every document is
// decoded into its concrete k8s.io/api type with unknown fields rejected, the
// kustomizations are built as `kubectl apply -k` builds them, and the tests
// assert the properties the gateway depends on (probes on the health port,
// Secret file modes, GOMEMLIMIT from the memory limit, the environment and
// the files config.yaml reads).
//
// It is a module of its own so that the Kubernetes and kustomize modules stay
// out of the gateway's go.mod: run it with `make test-deploy`.
package validate // import "github.com/otelgate/otelgate/deploy/kubernetes/validate"
