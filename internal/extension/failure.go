package extension

import (
	"bufio"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/godurable/durablefunctions/internal/history"
)

// How an activity's failure reaches the orchestration behind the host.
//
// The host hands a custom handler's reply to the extension only when its
// status is 2xx; for any other status it throws HttpRequestException,
// whose message is "Response status code does not indicate success: 500
// (<reason phrase>).", and the extension records TaskFailed with that
// exception as the inner failure. The reason phrase is the one part of a
// failed reply that survives, so the worker puts the error type and
// message there, and the orchestrator side reads them back out of the
// TaskFailed details. History stays honest (the activity failed), retries
// work, and the code sees the activity's own error type and message.

const reasonPrefix = "Go activity failed: "

// maxReason bounds the reason phrase; .NET reads status lines of up to
// 64 KiB, but a shorter line is kinder to proxies and logs.
const maxReason = 2000

// EncodeFailureReason returns the HTTP reason phrase that carries f.
func EncodeFailureReason(f *history.FailureDetails) string {
	typ, msg := "Error", "the activity failed"
	if f != nil {
		if f.ErrorType != "" {
			typ = f.ErrorType
		}
		if f.ErrorMessage != "" {
			msg = f.ErrorMessage
		}
	}
	r := reasonPrefix + escapeReason(typ, true) + ": " + escapeReason(msg, false)
	if len(r) > maxReason {
		cut := maxReason
		for cut > 0 && r[cut-1] == '%' || cut > 1 && r[cut-2] == '%' { // never split an escape
			cut--
		}
		r = r[:cut] + "..."
	}
	return r
}

// escapeReason keeps printable ASCII and percent-encodes the rest (and
// '%', and ':' in the type), since a reason phrase is one line of ASCII.
func escapeReason(s string, isType bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '%' || isType && c == ':' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapeReason(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DecodeFailureReason reads a reason phrase written by EncodeFailureReason.
func DecodeFailureReason(reason string) (*history.FailureDetails, bool) {
	rest, ok := strings.CutPrefix(reason, reasonPrefix)
	if !ok {
		return nil, false
	}
	typ, msg, ok := strings.Cut(rest, ": ")
	if !ok {
		return nil, false
	}
	return &history.FailureDetails{ErrorType: unescapeReason(typ), ErrorMessage: unescapeReason(msg)}, true
}

var statusMessage = regexp.MustCompile(`Response status code does not indicate success: \d+ \((.*)\)\.?$`)

// unwrapHostFailure finds, in the failure the extension recorded for an
// activity, the reason phrase this worker wrote, and returns the failure
// it describes; other failures come back unchanged.
func unwrapHostFailure(f *history.FailureDetails) *history.FailureDetails {
	for inner := f; inner != nil; inner = inner.InnerFailure {
		m := statusMessage.FindStringSubmatch(inner.ErrorMessage)
		if m == nil {
			continue
		}
		if d, ok := DecodeFailureReason(m[1]); ok {
			return d
		}
	}
	return f
}

// HostActivityFailure builds the failure the extension records when an
// activity's reply has a non-2xx status: what the Functions host and the
// extension do with it (FunctionInvocationException wrapping the
// HttpRequestException of EnsureSuccessStatusCode), derived from their
// source. The test stand-in uses it.
func HostActivityFailure(function string, status int, reason string) *history.FailureDetails {
	msg := fmt.Sprintf("Response status code does not indicate success: %d (%s).", status, reason)
	if reason == "" {
		msg = fmt.Sprintf("Response status code does not indicate success: %d.", status)
	}
	return &history.FailureDetails{
		ErrorType:    "Microsoft.Azure.WebJobs.Host.FunctionInvocationException",
		ErrorMessage: "Exception while executing function: Functions." + function,
		InnerFailure: &history.FailureDetails{ErrorType: "System.Net.Http.HttpRequestException", ErrorMessage: msg},
	}
}

// writeWithReason writes a complete HTTP/1.1 response with a reason phrase
// of our choosing, which net/http's ResponseWriter cannot do: it takes
// over the connection. Without a hijackable connection (HTTP/2) it falls
// back to the standard reason phrase.
func writeWithReason(w http.ResponseWriter, status int, reason string, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		w.WriteHeader(status)
		return
	}
	defer conn.Close()
	writeRaw(rw.Writer, status, reason, body)
}

func writeRaw(bw *bufio.Writer, status int, reason string, body []byte) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, reason)
	fmt.Fprintf(bw, "Content-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	_, _ = bw.Write(body)
	_ = bw.Flush()
}
