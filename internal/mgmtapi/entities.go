package mgmtapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/godurable/durablefunctions/durable"
)

// EntityStatus is the JSON form of one entity in an entity list.
type EntityStatus struct {
	EntityID          EntityIDJSON    `json:"entityId"`
	LastOperationTime string          `json:"lastOperationTime"`
	State             json.RawMessage `json:"state"`
}

// EntityIDJSON is the JSON form of an entity id.
type EntityIDJSON struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// entityIDParam reads and validates the entity name and key route
// parameters ("$" is the empty key). On failure it has written a 400.
func entityIDParam(w http.ResponseWriter, r *http.Request) (durable.EntityID, bool) {
	name, err := pathParam(r, "entityName")
	if err != nil {
		badRequest(w, "The entity name is not validly escaped.", err)
		return durable.EntityID{}, false
	}
	key, err := pathParam(r, "entityKey")
	if err != nil {
		badRequest(w, "The entity key is not validly escaped.", err)
		return durable.EntityID{}, false
	}
	if key == "$" {
		key = ""
	}
	id := durable.NewEntityID(name, key)
	if err := id.Validate(); err != nil {
		badRequest(w, "The entity id is not valid.", err)
		return durable.EntityID{}, false
	}
	return id, true
}

// signalEntity serves POST entities/{entityName}/{entityKey}?op= and
// DELETE entities/{entityName}/{entityKey} (the operation "delete").
func (a *API) signalEntity(w http.ResponseWriter, r *http.Request) {
	id, ok := entityIDParam(w, r)
	if !ok {
		return
	}
	op := "delete"
	if r.Method != http.MethodDelete {
		op = queryParam(r, "op")
	}
	if op == "" {
		badRequest(w, "The operation name is required: give it in the 'op' query parameter.", nil)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var input any
	switch {
	case len(body) == 0:
	case isJSONContent(r):
		if !json.Valid(body) {
			badRequest(w, "Could not parse JSON content: the request body is not valid JSON.", errors.New("invalid JSON content"))
			return
		}
		input = json.RawMessage(bytes.TrimSpace(body))
	default:
		// Any other content is the input as a string.
		input = string(body)
	}
	if err := a.client.SignalEntity(r.Context(), id, op, input); err != nil {
		a.clientError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// signalEntityWithoutKey answers POST/DELETE entities/{entityName}.
func (a *API) signalEntityWithoutKey(w http.ResponseWriter, r *http.Request) {
	badRequest(w, "The entity key is required: signal entities/{entityName}/{entityKey} (use $ for the empty key).", nil)
}

// getEntity serves GET entities/{entityName}/{entityKey}.
func (a *API) getEntity(w http.ResponseWriter, r *http.Request) {
	id, ok := entityIDParam(w, r)
	if !ok {
		return
	}
	md, err := a.client.ReadEntityState(r.Context(), id)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, jsonOrNull(md.State))
}

// listEntities serves GET entities[/{entityName}].
func (a *API) listEntities(w http.ResponseWriter, r *http.Request) {
	var q durable.EntityQuery
	if chiHasParam(r, "entityName") {
		name, err := pathParam(r, "entityName")
		if err == nil {
			err = durable.NewEntityID(name, "").Validate()
		}
		if err != nil {
			badRequest(w, "The entity name is not valid.", err)
			return
		}
		q.Name = name
	}
	var err error
	if q.LastModifiedFrom, _, err = timeParam(r, "lastOperationTimeFrom"); err != nil {
		badRequest(w, "The query parameter 'lastOperationTimeFrom' is not valid.", err)
		return
	}
	if q.LastModifiedTo, _, err = timeParam(r, "lastOperationTimeTo"); err != nil {
		badRequest(w, "The query parameter 'lastOperationTimeTo' is not valid.", err)
		return
	}
	if q.PageSize, err = topParam(r); err != nil {
		badRequest(w, "The query parameter 'top' is not valid.", err)
		return
	}
	if q.WithState, err = boolParam(r, "fetchState", false); err != nil {
		badRequest(w, "The query parameter 'fetchState' is not valid.", err)
		return
	}
	q.ContinuationToken = r.Header.Get(ContinuationHeader)
	page, err := a.client.ListEntities(r.Context(), q)
	if err != nil {
		a.clientError(w, r, err)
		return
	}
	out := make([]EntityStatus, 0, len(page.Entities))
	for _, e := range page.Entities {
		st := EntityStatus{
			EntityID:          EntityIDJSON{Name: strings.ToLower(e.ID.Name), Key: e.ID.Key},
			LastOperationTime: e.LastModified.UTC().Format(historyTimeLayout),
		}
		if q.WithState {
			st.State = toJSON(string(e.State))
		}
		out = append(out, st)
	}
	w.Header().Set(ContinuationHeader, page.ContinuationToken)
	writeJSON(w, http.StatusOK, out)
}
