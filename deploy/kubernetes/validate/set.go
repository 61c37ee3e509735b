package validate

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Set is the objects of one build, by kind and name.
type Set struct {
	Objects      []Object
	StatefulSets map[string]*appsv1.StatefulSet
	Deployments  map[string]*appsv1.Deployment
	Services     map[string]*corev1.Service
	ConfigMaps   map[string]*corev1.ConfigMap
	Secrets      map[string]*corev1.Secret
	PDBs         map[string]*policyv1.PodDisruptionBudget
	HPAs         map[string]*autoscalingv2.HorizontalPodAutoscaler
	Accounts     map[string]*corev1.ServiceAccount
	Policies     map[string]*networkingv1.NetworkPolicy
}

// NewSet indexes objects; two objects of one kind and name are an error.
func NewSet(objects []Object) (*Set, error) {
	s := &Set{
		Objects:      objects,
		StatefulSets: map[string]*appsv1.StatefulSet{},
		Deployments:  map[string]*appsv1.Deployment{},
		Services:     map[string]*corev1.Service{},
		ConfigMaps:   map[string]*corev1.ConfigMap{},
		Secrets:      map[string]*corev1.Secret{},
		PDBs:         map[string]*policyv1.PodDisruptionBudget{},
		HPAs:         map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		Accounts:     map[string]*corev1.ServiceAccount{},
		Policies:     map[string]*networkingv1.NetworkPolicy{},
	}
	seen := map[string]string{}
	for _, o := range objects {
		id := o.Kind + "/" + o.Name
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s: %s already defined in %s", o.Source, id, prev)
		}
		seen[id] = o.Source
		switch v := o.Value.(type) {
		case *appsv1.StatefulSet:
			s.StatefulSets[o.Name] = v
		case *appsv1.Deployment:
			s.Deployments[o.Name] = v
		case *corev1.Service:
			s.Services[o.Name] = v
		case *corev1.ConfigMap:
			s.ConfigMaps[o.Name] = v
		case *corev1.Secret:
			s.Secrets[o.Name] = v
		case *policyv1.PodDisruptionBudget:
			s.PDBs[o.Name] = v
		case *autoscalingv2.HorizontalPodAutoscaler:
			s.HPAs[o.Name] = v
		case *corev1.ServiceAccount:
			s.Accounts[o.Name] = v
		case *networkingv1.NetworkPolicy:
			s.Policies[o.Name] = v
		}
	}
	return s, nil
}

// Workload is a pod template with the name and kind of what runs it.
type Workload struct {
	Kind     string
	Name     string
	Template *corev1.PodTemplateSpec
	Selector *metav1.LabelSelector
	// Claims are the StatefulSet's volumeClaimTemplates, by name.
	Claims map[string]bool
}

// Workloads are the pod templates of every StatefulSet and Deployment.
func (s *Set) Workloads() []Workload {
	var out []Workload
	for name, st := range s.StatefulSets {
		claims := map[string]bool{}
		for _, c := range st.Spec.VolumeClaimTemplates {
			claims[c.Name] = true
		}
		out = append(out, Workload{Kind: "StatefulSet", Name: name, Template: &st.Spec.Template, Selector: st.Spec.Selector, Claims: claims})
	}
	for name, d := range s.Deployments {
		out = append(out, Workload{Kind: "Deployment", Name: name, Template: &d.Spec.Template, Selector: d.Spec.Selector, Claims: map[string]bool{}})
	}
	return out
}

// Selects reports whether a label selector matches the labels.
func Selects(sel *metav1.LabelSelector, l map[string]string) (bool, error) {
	if sel == nil {
		return false, nil
	}
	ls, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	return !ls.Empty() && ls.Matches(labels.Set(l)), nil
}

// SelectsMap reports whether a Service's selector (a non-empty label map)
// matches the labels.
func SelectsMap(sel, l map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if l[k] != v {
			return false
		}
	}
	return true
}

// Container returns the named container of a pod spec.
func Container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}

// Volume returns the named volume of a pod spec.
func Volume(spec *corev1.PodSpec, name string) *corev1.Volume {
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == name {
			return &spec.Volumes[i]
		}
	}
	return nil
}

// PortNumber resolves a container port given by name or number.
func PortNumber(c *corev1.Container, name string, number int32) (int32, bool) {
	for _, p := range c.Ports {
		if (name != "" && p.Name == name) || (name == "" && p.ContainerPort == number) {
			return p.ContainerPort, true
		}
	}
	return 0, false
}
