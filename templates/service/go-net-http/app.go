package main

// The HTTP layer: routes only (net/http's ServeMux). Domain code lives in items.go, the API
// document in openapi.json (embedded into the binary, served at GET /openapi.json: when you
// add a route, describe it there too and it appears in the gateway's catalog).
// Routes are served at the root: the Portico gateway strips the route prefix (/api/orders/items
// reaches this service as /items) unless the route sets `stripPrefix: false`.

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

//go:embed openapi.json
var openAPIDocument []byte

// maxBodyBytes bounds a request body read into memory.
const maxBodyBytes = 64 << 10

type app struct {
	store *itemStore
	log   *logger
	// Flipped on shutdown so the registry and load balancers stop sending traffic first.
	notReady atomic.Bool
	openapi  []byte
}

func newApp(log *logger) *app {
	a := &app{store: newItemStore(), log: log, openapi: withVersion(openAPIDocument, serviceVersion())}
	return a
}

// markNotReady makes /readyz answer 503 (the first step of a graceful shutdown).
func (a *app) markNotReady() { a.notReady.Store(true) }

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", a.healthz)
	mux.HandleFunc("/readyz", a.readyz)
	mux.HandleFunc("/openapi.json", a.openAPI)
	mux.HandleFunc("/items", a.items)
	mux.HandleFunc("/items/", a.oneItem)
	// A health path set in portico.yaml (health.path) answers like /healthz.
	if path := os.Getenv("PORTICO_HEALTH_PATH"); strings.HasPrefix(path, "/") && !reserved[path] {
		mux.HandleFunc(path, a.healthz)
	}
	return a.logRequests(mux)
}

// reserved paths are routed above; a custom health path cannot take them over.
var reserved = map[string]bool{"/": true, "/healthz": true, "/readyz": true, "/openapi.json": true, "/items": true, "/items/": true}

func (a *app) healthz(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	if a.notReady.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (a *app) openAPI(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(a.openapi)
}

// GET /items, POST /items
func (a *app) items(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string][]item{"items": a.store.list()})
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		name, err := parseItemInput(body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, a.store.add(name))
	default:
		allow(w, r, http.MethodGet, http.MethodPost)
	}
}

// GET /items/{id}, DELETE /items/{id}
func (a *app) oneItem(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/items/")
	if id == "" || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		if it, ok := a.store.get(id); ok {
			writeJSON(w, http.StatusOK, it)
			return
		}
		writeError(w, http.StatusNotFound, "no item with id "+id)
	case http.MethodDelete:
		if !a.store.remove(id) {
			writeError(w, http.StatusNotFound, "no item with id "+id)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		allow(w, r, http.MethodGet, http.MethodDelete)
	}
}

// allow answers 405 (with Allow) unless the request's method is one of methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
	return false
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(value)
}

// Errors answer like every other Portico template: {"error": "<what is wrong>"}.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

// withVersion sets info.version of the embedded document (PORTICO_SERVICE_VERSION).
func withVersion(doc []byte, version string) []byte {
	var parsed map[string]any
	if err := json.Unmarshal(doc, &parsed); err != nil {
		panic("openapi.json is not valid JSON: " + err.Error()) // caught by the tests
	}
	if info, ok := parsed["info"].(map[string]any); ok {
		info["version"] = version
	}
	out, _ := json.Marshal(parsed)
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

// logRequests logs one line per request; probes (every few seconds) only when they fail.
func (a *app) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		probe := r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == os.Getenv("PORTICO_HEALTH_PATH")
		if probe && rec.status < 400 {
			return
		}
		fields := []any{"method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds()}
		if id := r.Header.Get("X-Request-Id"); id != "" {
			fields = append(fields, "requestId", id)
		}
		if rec.status >= 500 {
			a.log.error("request", fields...)
		} else {
			a.log.info("request", fields...)
		}
	})
}
