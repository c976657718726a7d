package main

// Handler tests: the app runs in-process on a local test server (httptest) and is called
// over HTTP, as the gateway would.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func start(t *testing.T) (*app, *httptest.Server) {
	t.Helper()
	a := newApp(nil)
	server := httptest.NewServer(a.handler())
	t.Cleanup(server.Close)
	return a, server
}

func call(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var parsed map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &parsed); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, url, raw)
		}
	}
	return res.StatusCode, parsed
}

func TestProbes(t *testing.T) {
	a, server := start(t)
	if status, _ := call(t, "GET", server.URL+"/healthz", ""); status != 200 {
		t.Fatalf("/healthz: %d", status)
	}
	if status, body := call(t, "GET", server.URL+"/readyz", ""); status != 200 || body["status"] != "ready" {
		t.Fatalf("/readyz: %d %v", status, body)
	}
	a.markNotReady()
	if status, _ := call(t, "GET", server.URL+"/readyz", ""); status != 503 {
		t.Fatalf("/readyz after markNotReady: %d, want 503", status)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	_, server := start(t)
	status, doc := call(t, "GET", server.URL+"/openapi.json", "")
	if status != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("/openapi.json: %d %v", status, doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/items", "/items/{id}", "/healthz"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("the document has no %s", p)
		}
	}
	if info := doc["info"].(map[string]any); info["title"] != serviceName {
		t.Errorf("info.title = %v, want %s", info["title"], serviceName)
	}
}

func TestItems(t *testing.T) {
	_, server := start(t)
	status, created := call(t, "POST", server.URL+"/items", `{"name": " first "}`)
	if status != 201 || created["name"] != "first" {
		t.Fatalf("POST /items: %d %v", status, created)
	}
	id, _ := created["id"].(string)
	if status, got := call(t, "GET", server.URL+"/items/"+id, ""); status != 200 || got["id"] != id {
		t.Fatalf("GET /items/%s: %d %v", id, status, got)
	}
	if _, list := call(t, "GET", server.URL+"/items", ""); len(list["items"].([]any)) != 1 {
		t.Fatalf("GET /items: %v", list)
	}
	if status, _ := call(t, "DELETE", server.URL+"/items/"+id, ""); status != 204 {
		t.Fatalf("DELETE: %d", status)
	}
	if status, _ := call(t, "GET", server.URL+"/items/"+id, ""); status != 404 {
		t.Fatalf("GET after DELETE: %d, want 404", status)
	}
}

func TestRejectsInvalidBodies(t *testing.T) {
	_, server := start(t)
	for _, body := range []string{`{"title": "no name"}`, `[]`, `not json`, `{"name": ""}`} {
		status, answer := call(t, "POST", server.URL+"/items", body)
		if status != 400 || !strings.Contains(answer["error"].(string), "name") && !strings.Contains(answer["error"].(string), "JSON") {
			t.Errorf("POST %s: %d %v, want 400 with a reason", body, status, answer)
		}
	}
	if status, _ := call(t, "PUT", server.URL+"/items", "{}"); status != 405 {
		t.Errorf("PUT /items: %d, want 405", status)
	}
}
