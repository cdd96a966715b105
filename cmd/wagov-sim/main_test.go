package main

import (
	"bytes"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestLogRequestsNeverLogsCredentials(t *testing.T) {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	h := logRequests(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	req := httptest.NewRequest(http.MethodPost, "/v2/groups/x?access_token=query-secret", nil)
	req.Header.Set("X-User-API-Key", "header-secret")
	h.ServeHTTP(httptest.NewRecorder(), req)

	line := buf.String()
	if !strings.Contains(line, "POST /v2/groups/x 418 ") {
		t.Errorf("log line %q lacks method, path and status", line)
	}
	if strings.Contains(line, "secret") {
		t.Errorf("log line %q leaks a credential", line)
	}
}
