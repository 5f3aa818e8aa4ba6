package mgmtapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// Links the API hands out (check-status payloads) go to whoever called a
// starter, which may be anonymous. Durable Functions puts its system key in
// them, so any caller can then manage every instance. These links carry a
// credential scoped to their one instance instead: an HMAC of the task hub
// and instance id under the key, which grants that instance's routes
// (status, events, terminate, suspend, resume, rewind, restart, purge) and
// nothing else. The key itself keeps working everywhere. See
// docs/security.md.

// scopedPrefix marks a scoped credential (and its version).
const scopedPrefix = "i1."

// scopedCode returns the credential for instanceID's links.
func (a *API) scopedCode(instanceID string) string {
	return scopedPrefix + base64.RawURLEncoding.EncodeToString(a.instanceMAC(instanceID))
}

func (a *API) instanceMAC(instanceID string) []byte {
	m := hmac.New(sha256.New, []byte(a.key))
	m.Write([]byte("durable-instance-link\x00" + strings.ToLower(a.hub) + "\x00" + instanceID))
	return m.Sum(nil)
}

// credential returns the key or scoped credential r carries, "" for none.
func credential(r *http.Request) string {
	if c := r.Header.Get(KeyHeader); c != "" {
		return c
	}
	return queryParam(r, "code")
}

// fullKey reports whether c is the API's key. Both sides are hashed first
// so that the comparison takes the same time whatever the key's length.
func (a *API) fullKey(c string) bool {
	h := sha256.Sum256([]byte(c))
	return subtle.ConstantTimeCompare(h[:], a.keyHash[:]) == 1
}

// scopeAllows reports whether the scoped credential c grants the request:
// the route must be one of an instance's own (instances/{id}[/...]) and c
// the credential of that id.
func (a *API) scopeAllows(r *http.Request, c string) bool {
	mac, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c, scopedPrefix))
	if !strings.HasPrefix(c, scopedPrefix) || err != nil {
		return false
	}
	segs := splitPath(a.suffix(r))
	if len(segs) < 2 || len(segs) > 4 || !strings.EqualFold(segs[0], "instances") {
		return false
	}
	id, err := url.PathUnescape(segs[1])
	if err != nil {
		return false
	}
	return hmac.Equal(mac, a.instanceMAC(id))
}
