package azurestorage

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// The aztables SDK (v1.4.0) returns an empty TransactionResponse: the
// sub-responses of an entity-group transaction, and with them the new
// ETag of the sentinel row, are read and thrown away. capturePolicy keeps
// a copy of the $batch response body for callers that ask for it (a
// *batchCapture in the request context), so that commitHistory can learn
// the sentinel's new ETag without reading the row again.

type batchCaptureKey struct{}

type batchCapture struct {
	body        []byte
	contentType string
}

// capturePolicy is a per-retry table pipeline policy (the last attempt's
// response wins).
type capturePolicy struct{}

func (capturePolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	c, _ := req.Raw().Context().Value(batchCaptureKey{}).(*batchCapture)
	if c == nil || !strings.HasSuffix(req.Raw().URL.Path, "$batch") {
		return resp, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	c.body, c.contentType = nil, ""
	if rerr == nil {
		c.body, c.contentType = b, resp.Header.Get("Content-Type")
	}
	return resp, err
}

// lastBatchETag returns the ETag of the last of the n sub-responses of a
// successful $batch response (multipart/mixed, one changeset), or false
// when the body does not have exactly n successful sub-responses or the
// last carries no ETag.
func lastBatchETag(body []byte, contentType string, n int) (azcore.ETag, bool) {
	if len(body) == 0 || n <= 0 {
		return "", false
	}
	outer := multipart.NewReader(bytes.NewReader(body), boundaryOf(contentType, body))
	cs, err := outer.NextPart()
	if err != nil {
		return "", false
	}
	csBody, err := io.ReadAll(cs)
	if err != nil && err != io.ErrUnexpectedEOF {
		return "", false
	}
	inner := multipart.NewReader(bytes.NewReader(csBody), boundaryOf(cs.Header.Get("Content-Type"), csBody))
	var etags []string
	for {
		part, err := inner.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false
		}
		r, err := http.ReadResponse(bufio.NewReader(part), nil)
		if err != nil {
			return "", false
		}
		r.Body.Close()
		if r.StatusCode < 200 || r.StatusCode >= 300 {
			return "", false
		}
		etags = append(etags, r.Header.Get("ETag"))
	}
	if len(etags) != n || etags[n-1] == "" {
		return "", false
	}
	return azcore.ETag(etags[n-1]), true
}

// boundaryOf takes the multipart boundary from a Content-Type value, or
// else from the body's first line ("--boundary").
func boundaryOf(contentType string, body []byte) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["boundary"] != "" {
		return params["boundary"]
	}
	line := body
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	return strings.TrimPrefix(strings.TrimSpace(string(line)), "--")
}
