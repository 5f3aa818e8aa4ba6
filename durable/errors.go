package durable

import (
	"errors"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
)

// TaskFailedError is returned by Await when an activity, sub-orchestration or
// entity operation failed. Use errors.As to inspect it:
//
//	var failed *durable.TaskFailedError
//	if errors.As(err, &failed) { log.Print(failed.Name, failed.Message) }
type TaskFailedError = replay.TaskFailedError

// TimeoutError is returned by Await when WaitForExternalEvent's timeout fired
// before the event arrived.
type TimeoutError = replay.TimeoutError

// FailureDetails describes a failure as history and status queries record it.
type FailureDetails = history.FailureDetails

// ErrCanceled is returned by Await on a canceled timer.
var ErrCanceled = replay.ErrCanceled

// Registration errors, returned by the Registry's Add methods.
var (
	ErrDuplicateFunction = errors.New("durable: function already registered")
	ErrInvalidName       = errors.New("durable: invalid function name")
)
