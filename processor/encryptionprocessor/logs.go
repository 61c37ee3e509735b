package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func (p *encryptionProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	r := p.newRun()
	var err error
	ld.ResourceLogs().RemoveIf(func(rl plog.ResourceLogs) bool {
		if err != nil {
			return false
		}
		var drop bool
		if drop, err = r.attrs(rl.Resource().Attributes(), codec.LevelResource); drop || err != nil {
			if drop {
				for i := 0; i < rl.ScopeLogs().Len(); i++ {
					r.dropped += int64(rl.ScopeLogs().At(i).LogRecords().Len())
				}
			}
			return drop
		}
		had := rl.ScopeLogs().Len()
		rl.ScopeLogs().RemoveIf(func(sl plog.ScopeLogs) bool {
			if err != nil {
				return false
			}
			if drop, err = r.attrs(sl.Scope().Attributes(), codec.LevelScope); drop || err != nil {
				if drop {
					r.dropped += int64(sl.LogRecords().Len())
				}
				return drop
			}
			records := sl.LogRecords()
			n := records.Len()
			records.RemoveIf(func(lr plog.LogRecord) bool {
				if err != nil {
					return false
				}
				if drop, err = r.attrs(lr.Attributes(), codec.LevelRecord); !drop && err == nil {
					drop, err = r.body(lr.Body())
				}
				r.dropped += b2i(drop)
				return drop
			})
			return n > 0 && records.Len() == 0
		})
		return had > 0 && rl.ScopeLogs().Len() == 0
	})
	if err != nil {
		return ld, err
	}
	r.flush(ctx)
	if r.dropped > 0 && ld.ResourceLogs().Len() == 0 {
		return ld, processorhelper.ErrSkipProcessingData
	}
	return ld, nil
}
