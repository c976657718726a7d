package main

// The example resource: an in-memory list of items. Replace it with your own domain code.
// Kept free of HTTP so the handlers (app.go) stay thin and this is easy to test.

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxNameLength keeps one item small; openapi.json says the same (maxLength).
const maxNameLength = 200

type item struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

// parseItemInput checks a POST /items body; the error is the message of the 400 answer.
func parseItemInput(body []byte) (string, error) {
	var input map[string]any
	if err := json.Unmarshal(body, &input); err != nil || input == nil {
		return "", fmt.Errorf(`body must be a JSON object like {"name": "..."}`)
	}
	name, ok := input["name"].(string)
	if !ok || strings.TrimSpace(name) == "" {
		return "", fmt.Errorf(`"name" must be a non-empty string`)
	}
	if len([]rune(name)) > maxNameLength {
		return "", fmt.Errorf(`"name" must be at most %d characters`, maxNameLength)
	}
	return strings.TrimSpace(name), nil
}

type itemStore struct {
	mu    sync.RWMutex
	items map[string]item
}

func newItemStore() *itemStore { return &itemStore{items: map[string]item{}} }

// list returns the items oldest first.
func (s *itemStore) list() []item {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt < out[j].CreatedAt })
	return out
}

func (s *itemStore) get(id string) (item, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[id]
	return it, ok
}

func (s *itemStore) add(name string) item {
	it := item{ID: newUUID(), Name: name, CreatedAt: time.Now().UTC().Format(time.RFC3339Nano)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[it.ID] = it
	return it
}

func (s *itemStore) remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.items[id]
	delete(s.items, id)
	return ok
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // the kernel's random source failing is not recoverable
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
