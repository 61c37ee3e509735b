package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// signalCounts is what happened to one signal on its way through.
type signalCounts struct {
	Signal   string
	Sent     int64 // acknowledged by the gateway to the load generator
	Failed   int64 // requests or items the gateway refused
	Accepted int64 // otelcol_receiver_accepted_* at the gateway
	Exported int64 // otelcol_exporter_sent_* at the gateway
	Received int64 // items found in the sink's files
}

// processorRow is one processor's effect on one signal.
type processorRow struct {
	Processor string
	Signal    string
	In, Out   int64
}

type summary struct {
	Signals    []signalCounts
	Processors []processorRow
	Own        []gatewayproc.Sample // otelgate components' own metrics, non-zero
	Shed       *shedSummary         // overload runs only
}

var signalUnits = map[string]struct{ receiver, exporter string }{
	"traces":  {"spans", "spans"},
	"metrics": {"metric_points", "metric_points"},
	"logs":    {"log_records", "log_records"},
}

// summarise builds the summary; order gives each signal's processors in
// pipeline order (see pipelineOrder).
func summarise(gw []gatewayproc.Sample, sent map[string][2]int64, received map[string]int64, order map[string][]string) summary {
	var s summary
	for _, sig := range []string{"traces", "metrics", "logs"} {
		u := signalUnits[sig]
		s.Signals = append(s.Signals, signalCounts{
			Signal:   sig,
			Sent:     sent[sig][0],
			Failed:   sent[sig][1],
			Accepted: int64(gatewayproc.SumSamples(gw, "otelcol_receiver_accepted_"+u.receiver, nil)),
			Exported: int64(gatewayproc.SumSamples(gw, "otelcol_exporter_sent_"+u.exporter, nil)),
			Received: received[sig],
		})
	}
	type key struct{ p, sig string }
	in, out := map[key]float64{}, map[key]float64{}
	for _, x := range gw {
		k := key{x.Labels["processor"], x.Labels["otel_signal"]}
		switch x.Name {
		case "otelcol_processor_incoming_items", "otelcol_processor_incoming_items_total":
			in[k] += x.Value
		case "otelcol_processor_outgoing_items", "otelcol_processor_outgoing_items_total":
			out[k] += x.Value
		}
	}
	for k, v := range in {
		s.Processors = append(s.Processors, processorRow{Processor: k.p, Signal: k.sig, In: int64(v), Out: int64(out[k])})
	}
	// Signals in the order of the first table, processors in pipeline order
	// (by name where the config did not say).
	signalRank := map[string]int{"traces": 0, "metrics": 1, "logs": 2}
	rank := func(r processorRow) int {
		for i, p := range order[r.Signal] {
			if p == r.Processor {
				return i
			}
		}
		return len(order[r.Signal])
	}
	sort.Slice(s.Processors, func(i, j int) bool {
		a, b := s.Processors[i], s.Processors[j]
		if a.Signal != b.Signal {
			return signalRank[a.Signal] < signalRank[b.Signal]
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		return a.Processor < b.Processor
	})
	for _, x := range gw {
		if x.Value == 0 || !isOwnMetric(x.Name) {
			continue
		}
		s.Own = append(s.Own, x)
	}
	sort.Slice(s.Own, func(i, j int) bool {
		if s.Own[i].Name != s.Own[j].Name {
			return s.Own[i].Name < s.Own[j].Name
		}
		return labelString(s.Own[i].Labels) < labelString(s.Own[j].Labels)
	})
	return s
}

// pipelineOrder reads the processors of the traces, metrics and logs
// pipelines from a collector config; an unreadable config gives no order.
func pipelineOrder(configPath string) map[string][]string {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return nil
	}
	var doc struct {
		Service struct {
			Pipelines map[string]struct {
				Processors []string `yaml:"processors"`
			} `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	order := map[string][]string{}
	for id, p := range doc.Service.Pipelines {
		sig, _, _ := strings.Cut(id, "/")
		if _, seen := order[sig]; !seen {
			order[sig] = p.Processors
		}
	}
	return order
}

// ownPrefixes are the metric name prefixes of otelgate's own components.
var ownPrefixes = []string{
	"otelcol_processor_adaptive_sampling_",
	"otelcol_processor_attribute_filter_",
	"otelcol_processor_enrichment_",
	"otelcol_processor_aggregation_",
	"otelcol_processor_encryption_",
	"otelcol_exporter_compression_",
	"otelcol_extension_",
}

func isOwnMetric(name string) bool {
	if strings.HasSuffix(name, "_bucket") || strings.HasSuffix(name, "_count") {
		return false
	}
	for _, p := range ownPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ignoredLabels are the resource labels every own metric carries.
var ignoredLabels = map[string]bool{
	"service_instance_id": true, "service_name": true, "service_version": true,
	"otel_scope_name": true, "otel_scope_version": true, "otel_scope_schema_url": true, "job": true, "instance": true,
}

func labelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		if !ignoredLabels[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, " ")
}

func (s summary) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "signal\tsent\trefused\taccepted by gateway\texported by gateway\treceived at sink\t")
	for _, c := range s.Signals {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", c.Signal, c.Sent, c.Failed, c.Accepted, c.Exported, c.Received)
	}
	_ = tw.Flush()
	for _, c := range s.Signals {
		if c.Received > c.Exported {
			fmt.Fprintf(w, "  %s: %d items reached the sink when the gateway flushed at shutdown (open aggregation windows, batches), after its metrics were read\n",
				c.Signal, c.Received-c.Exported)
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "processor\tsignal\tin\tout\tdropped\t")
	for _, p := range s.Processors {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", p.Processor, p.Signal, p.In, p.Out, p.In-p.Out)
	}
	_ = tw.Flush()
	if len(s.Own) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "otelgate components' own metrics:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, x := range s.Own {
			fmt.Fprintf(tw, "  %s\t%s\t%g\n", x.Name, labelString(x.Labels), x.Value)
		}
		_ = tw.Flush()
	}
	if s.Shed != nil {
		s.Shed.print(w)
	}
}
