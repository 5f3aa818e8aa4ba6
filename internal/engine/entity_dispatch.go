package engine

import (
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
)

// processEntity runs an entity's queued operations. Entities are completed
// by the entities work; until then their messages stay queued.
func (e *Engine) processEntity(wi *backend.OrchestrationWorkItem) (*backend.OrchestrationCommit, time.Duration) {
	return nil, time.Minute
}

// releaseLocks releases the entity locks an ending orchestration holds.
func (ep *episode) releaseLocks() {}
