package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// ErrEntityNotFound: the entity has no state (it was never written, or its
// state was deleted).
var ErrEntityNotFound = errors.New("durable: entity not found")

// SignalEntity sends a one-way operation to an entity, creating the entity
// on first use. WithScheduledTime delays it.
func (c *Client) SignalEntity(ctx context.Context, id EntityID, operation string, input any, opts ...SignalOption) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if operation == "" {
		return fmt.Errorf("durable: entity %s: the operation name is empty", id)
	}
	if c.reg != nil && !c.reg.HasEntity(id.Name) {
		return &UnknownFunctionError{Kind: "entity", Name: id.Name}
	}
	var o signalOptions
	for _, opt := range opts {
		opt(&o)
	}
	js, err := encodeResult(input)
	if err != nil {
		return fmt.Errorf("durable: entity %s: input cannot be encoded as JSON: %w", id, err)
	}
	req := replay.EntityRequest{ID: engine.NewExecutionID(), Operation: operation, IsSignal: true, Input: js, ScheduledTime: o.at.UTC()}
	if o.at.IsZero() {
		req.ScheduledTime = time.Time{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	msg := store.Message{InstanceID: id.String(), Event: history.NewEventRaised(c.clock.Now(), replay.EntityOperationEvent, string(body)), VisibleAt: req.ScheduledTime}
	c.eng.ObserveSend(ctx, &msg) // links the operation to the caller's trace
	if err := c.be.SendMessages(ctx, msg); err != nil {
		return fmt.Errorf("durable: signal entity %s: %w", id, err)
	}
	return nil
}

// EntityMetadata is what a client sees of an entity.
type EntityMetadata struct {
	ID EntityID
	// State is the entity's JSON state (nil when not requested).
	State        json.RawMessage
	LastModified time.Time
	// LockedBy is the orchestration holding the entity's lock, or "".
	LockedBy string
	// BacklogQueueSize counts operations waiting for the lock.
	BacklogQueueSize int
}

// ReadEntityState returns an entity's state, or an error wrapping
// ErrEntityNotFound when it has none.
func (c *Client) ReadEntityState(ctx context.Context, id EntityID) (*EntityMetadata, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	inst, err := c.be.GetInstance(ctx, id.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrEntityNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("durable: read entity %s: %w", id, err)
	}
	md, exists, err := entityMetadata(inst, true)
	if err != nil {
		return nil, fmt.Errorf("durable: read entity %s: %w", id, err)
	}
	if !exists {
		return nil, fmt.Errorf("%w: %s", ErrEntityNotFound, id)
	}
	return md, nil
}

func entityMetadata(inst *store.Instance, withState bool) (*EntityMetadata, bool, error) {
	id, err := ParseEntityID(inst.InstanceID)
	if err != nil {
		return nil, false, err
	}
	st, err := engine.DecodeEntityState(inst.Input)
	if err != nil {
		return nil, false, err
	}
	md := &EntityMetadata{ID: id, LastModified: inst.LastUpdatedAt, LockedBy: st.LockedBy, BacklogQueueSize: len(st.Queue)}
	if withState && st.Exists {
		md.State = raw(st.State)
		if md.State == nil {
			md.State = json.RawMessage("null")
		}
	}
	return md, st.Exists, nil
}

// EntityQuery filters ListEntities; zero values mean "no filter".
type EntityQuery struct {
	// Name restricts the list to one entity name (case-insensitive).
	Name string
	// KeyPrefix, with Name, restricts keys.
	KeyPrefix         string
	LastModifiedFrom  time.Time
	LastModifiedTo    time.Time
	PageSize          int
	ContinuationToken string
	WithState         bool
	// IncludeDeleted also lists entities whose state was deleted but whose
	// record remains.
	IncludeDeleted bool
}

// EntityPage is a page of ListEntities results.
type EntityPage struct {
	Entities          []*EntityMetadata
	ContinuationToken string
}

// ListEntities returns one page of entities matching q.
func (c *Client) ListEntities(ctx context.Context, q EntityQuery) (*EntityPage, error) {
	prefix := "@"
	if q.Name != "" {
		prefix = "@" + strings.ToLower(q.Name) + "@" + q.KeyPrefix
	}
	page, err := c.be.ListInstances(ctx, &store.Query{
		Kind: store.OnlyEntities, InstanceIDPrefix: prefix, PageSize: q.PageSize,
		ContinuationToken: q.ContinuationToken, WithPayloads: true,
	})
	if errors.Is(err, store.ErrInvalidQuery) {
		return nil, fmt.Errorf("%w: %v", ErrInvalidQuery, err)
	}
	if err != nil {
		return nil, fmt.Errorf("durable: list entities: %w", err)
	}
	out := &EntityPage{ContinuationToken: page.ContinuationToken}
	for _, inst := range page.Instances {
		if (!q.LastModifiedFrom.IsZero() && inst.LastUpdatedAt.Before(q.LastModifiedFrom)) ||
			(!q.LastModifiedTo.IsZero() && inst.LastUpdatedAt.After(q.LastModifiedTo)) {
			continue
		}
		md, exists, err := entityMetadata(inst, q.WithState)
		if err != nil || (!exists && !q.IncludeDeleted) {
			continue
		}
		out.Entities = append(out.Entities, md)
	}
	return out, nil
}
