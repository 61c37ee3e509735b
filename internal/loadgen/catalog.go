package loadgen

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// knownServices are the first service names, in order.
var knownServices = []string{"checkout", "cart", "payment", "frontend", "inventory", "shipping", "auth", "search"}

// ServiceName is the service.name of service i (0-based) for any Config:
// checkout, cart, payment, frontend, inventory, shipping, auth, search,
// service-9, service-10, ...
func ServiceName(i int) string {
	if i >= 0 && i < len(knownServices) {
		return knownServices[i]
	}
	return "service-" + strconv.Itoa(i+1)
}

// route is one HTTP endpoint of a service; template holds "{id}".
type route struct {
	method   string
	template string
	prefix   string // template before "{id}"
	suffix   string // template after "{id}"
}

func newRoute(method, template string) route {
	prefix, suffix, _ := strings.Cut(template, "{id}")
	return route{method: method, template: template, prefix: prefix, suffix: suffix}
}

func (r route) path(id int) string { return r.prefix + strconv.Itoa(id) + r.suffix }

// database is what a service's DB CLIENT spans talk to.
type database struct {
	system     string // db.system
	collection string // db.collection.name (table, key prefix, index)
	queries    []query
}

type query struct {
	operation string // db.operation.name
	text      string // db.query.text
}

type service struct {
	name    string
	version string
	routes  []route
	db      database
}

func sqlDB(system, table string) database {
	return database{system: system, collection: table, queries: []query{
		{"SELECT", "SELECT * FROM " + table + " WHERE id = $1"},
		{"UPDATE", "UPDATE " + table + " SET updated_at = now() WHERE id = $1"},
		{"INSERT", "INSERT INTO " + table + " (id, payload) VALUES ($1, $2)"},
	}}
}

func serviceCatalog(i int) service {
	name := ServiceName(i)
	s := service{name: name, version: "1." + strconv.Itoa(i%5) + "." + strconv.Itoa(i%3)}
	switch name {
	case "checkout":
		s.routes = []route{newRoute("POST", "/api/checkout/{id}"), newRoute("GET", "/api/orders/{id}")}
		s.db = sqlDB("postgresql", "orders")
	case "cart":
		s.routes = []route{newRoute("GET", "/api/cart/{id}"), newRoute("POST", "/api/cart/{id}/items")}
		s.db = database{system: "redis", collection: "cart", queries: []query{
			{"GET", "GET cart:?"}, {"HSET", "HSET cart:? item ?"}, {"EXPIRE", "EXPIRE cart:? 3600"},
		}}
	case "payment":
		s.routes = []route{newRoute("POST", "/api/payments/{id}"), newRoute("GET", "/api/payments/{id}")}
		s.db = sqlDB("postgresql", "payments")
	case "frontend":
		s.routes = []route{newRoute("GET", "/products/{id}"), newRoute("GET", "/cart/{id}")}
		s.db = database{system: "redis", collection: "session", queries: []query{
			{"GET", "GET session:?"}, {"SET", "SET session:? ? EX 1800"},
		}}
	case "inventory":
		s.routes = []route{newRoute("GET", "/api/stock/{id}"), newRoute("PUT", "/api/stock/{id}")}
		s.db = sqlDB("postgresql", "stock")
	case "shipping":
		s.routes = []route{newRoute("POST", "/api/shipments/{id}"), newRoute("GET", "/api/shipments/{id}")}
		s.db = sqlDB("mysql", "shipments")
	case "auth":
		s.routes = []route{newRoute("POST", "/api/sessions/{id}"), newRoute("GET", "/api/users/{id}")}
		s.db = sqlDB("postgresql", "users")
	case "search":
		s.routes = []route{newRoute("GET", "/api/search/{id}")}
		s.db = database{system: "elasticsearch", collection: "products", queries: []query{
			{"search", "GET /products/_search"},
		}}
	default:
		s.routes = []route{newRoute("GET", "/api/items/{id}"), newRoute("POST", "/api/items/{id}")}
		s.db = sqlDB("postgresql", "items")
	}
	return s
}

// Every service runs instancesPerService pods: the first ones in production,
// the last in staging.
const (
	instancesPerService = 3
	stagingInstance     = 2
	stagingShare        = 0.1
)

// resourceAttrs fills the resource attributes of instance inst of service s.
func resourceAttrs(s service, svcIndex, inst int, attrs pcommon.Map) {
	env, ns := "production", "shop"
	if inst == stagingInstance {
		env, ns = "staging", "shop-staging"
	}
	attrs.EnsureCapacity(6)
	attrs.PutStr("service.name", s.name)
	attrs.PutStr("service.version", s.version)
	attrs.PutStr("deployment.environment", env)
	attrs.PutStr("host.name", "node-"+strconv.Itoa((svcIndex*instancesPerService+inst)%7+1))
	attrs.PutStr("k8s.namespace.name", ns)
	attrs.PutStr("k8s.pod.name", s.name+"-6d5f7b9c8-"+strconv.Itoa(inst))
}

// healthRoute is the route of health-check traces.
var healthRoute = newRoute("GET", "/healthz")

// HealthCheckRoute is the http.route of the root span of health-check traces.
const HealthCheckRoute = "/healthz"
