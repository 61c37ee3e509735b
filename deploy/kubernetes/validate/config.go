package validate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// EnvRef is one ${env:NAME} or ${env:NAME:-default} of a collector config.
type EnvRef struct {
	Name       string
	Default    string
	HasDefault bool
}

var envPattern = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// ParseConfig parses a collector configuration file (comments dropped, as
// the collector drops them before it expands ${env:...}).
func ParseConfig(data []byte) (map[string]any, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	return tree, nil
}

// EnvRefs lists the environment references in the string values of a parsed
// configuration, sorted by name.
func EnvRefs(tree any) []EnvRef {
	refs := map[string]EnvRef{}
	walkStrings(tree, func(s string) {
		for _, m := range envPattern.FindAllStringSubmatch(s, -1) {
			r := EnvRef{Name: m[1], Default: m[3], HasDefault: m[2] != ""}
			if prev, ok := refs[r.Name]; ok && prev.HasDefault && !r.HasDefault {
				continue
			}
			refs[r.Name] = r
		}
	})
	out := make([]EnvRef, 0, len(refs))
	for _, k := range slices.Sorted(maps.Keys(refs)) {
		out = append(out, refs[k])
	}
	return out
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for _, c := range v {
			walkStrings(c, f)
		}
	case []any:
		for _, c := range v {
			walkStrings(c, f)
		}
	}
}

// Expand returns a copy of tree with every ${env:...} replaced: by the value
// lookup gives, else by the default; a reference with neither is an error.
func Expand(tree any, lookup func(string) (string, bool)) (any, error) {
	var missing []string
	var expand func(v any) any
	expand = func(v any) any {
		switch v := v.(type) {
		case string:
			return envPattern.ReplaceAllStringFunc(v, func(ref string) string {
				m := envPattern.FindStringSubmatch(ref)
				if val, ok := lookup(m[1]); ok {
					return val
				}
				if m[2] != "" {
					return m[3]
				}
				missing = append(missing, m[1])
				return ""
			})
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, c := range v {
				out[k] = expand(c)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, c := range v {
				out[i] = expand(c)
			}
			return out
		default:
			return v
		}
	}
	out := expand(tree)
	if len(missing) > 0 {
		slices.Sort(missing)
		return out, fmt.Errorf("environment variables set nowhere and without default: %s", strings.Join(slices.Compact(missing), ", "))
	}
	return out, nil
}

// Merge merges overlay into base as the collector merges several --config
// files: maps key by key, anything else replaced.
func Merge(base, overlay any) any {
	bm, ok1 := base.(map[string]any)
	om, ok2 := overlay.(map[string]any)
	if !ok1 || !ok2 {
		return overlay
	}
	out := maps.Clone(bm)
	for k, v := range om {
		if b, ok := out[k]; ok {
			out[k] = Merge(b, v)
		} else {
			out[k] = v
		}
	}
	return out
}

// Get follows a path of map keys.
func Get(tree any, path ...string) (any, bool) {
	v := tree
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// GetString follows a path of map keys to a scalar, formatted as a string.
func GetString(tree any, path ...string) (string, bool) {
	v, ok := Get(tree, path...)
	if !ok || v == nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return fmt.Sprintf("%g", v), true
	case bool:
		return fmt.Sprintf("%t", v), true
	}
	return "", false
}

// EnvSource says where a container's variable comes from.
type EnvSource struct {
	// Value is the literal value; Known is false for values Kubernetes fills
	// in at run time (downward API, resources, Secrets).
	Value string
	Known bool
	// From describes the source: "value", "configMap <name>", "fieldRef
	// <path>", "resourceFieldRef <resource>", "secret <name>/<key>".
	From string
}

// ContainerEnv is a container's environment as the kubelet assembles it:
// envFrom first, then env, which wins. configMaps are the build's ConfigMaps;
// a reference to one that does not exist is an error.
func ContainerEnv(c *corev1.Container, configMaps map[string]*corev1.ConfigMap) (map[string]EnvSource, error) {
	env := map[string]EnvSource{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			return nil, fmt.Errorf("container %s: envFrom other than configMapRef is not checked", c.Name)
		}
		cm, ok := configMaps[ef.ConfigMapRef.Name]
		if !ok {
			return nil, fmt.Errorf("container %s: envFrom ConfigMap %q is not in the manifests", c.Name, ef.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[ef.Prefix+k] = EnvSource{Value: v, Known: true, From: "configMap " + cm.Name}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = EnvSource{Value: e.Value, Known: true, From: "value"}
		case e.ValueFrom.FieldRef != nil:
			env[e.Name] = EnvSource{From: "fieldRef " + e.ValueFrom.FieldRef.FieldPath}
		case e.ValueFrom.ResourceFieldRef != nil:
			env[e.Name] = EnvSource{From: "resourceFieldRef " + e.ValueFrom.ResourceFieldRef.Resource}
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = EnvSource{From: "secret " + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, ok := configMaps[ref.Name]
			if !ok {
				return nil, fmt.Errorf("container %s: env %s: ConfigMap %q is not in the manifests", c.Name, e.Name, ref.Name)
			}
			v, ok := cm.Data[ref.Key]
			if !ok {
				return nil, fmt.Errorf("container %s: env %s: ConfigMap %q has no key %q", c.Name, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = EnvSource{Value: v, Known: true, From: "configMap " + ref.Name}
		default:
			return nil, fmt.Errorf("container %s: env %s: unsupported valueFrom", c.Name, e.Name)
		}
	}
	return env, nil
}
