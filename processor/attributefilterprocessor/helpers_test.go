package attributefilterprocessor

import "go.opentelemetry.io/collector/processor/processorhelper"

var processorhelperErrSkip = processorhelper.ErrSkipProcessingData
