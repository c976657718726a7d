package main

// Portico registry client: registers this instance with the stack's registry once the server
// listens, heartbeats within the TTL the registry answers with, re-registers when the
// registry forgot it (404), and deregisters on stop. Configured by the environment
// `portico up` injects; without PORTICO_REGISTRY_URL (running outside Portico) it does nothing.

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

const (
	backoffStart   = 250 * time.Millisecond // retry delay while the registry is not reachable, doubling...
	backoffMax     = 5 * time.Second        // ...up to this, with jitter
	requestTimeout = 3 * time.Second
	defaultTTL     = 30 * time.Second // until the registry tells the TTL it applies
)

type registration struct {
	log      *logger
	client   *http.Client
	url      string // .../v1/services/<service>/instances/<id>
	token    string
	body     []byte
	cancel   context.CancelFunc
	done     chan struct{}
	mu       sync.Mutex
	enrolled bool
}

// registerWithPortico starts registering in the background; stop() deregisters.
func registerWithPortico(log *logger, port int) *registration {
	r := &registration{log: log, client: &http.Client{Timeout: requestTimeout}, done: make(chan struct{})}
	registry := strings.TrimRight(os.Getenv("PORTICO_REGISTRY_URL"), "/")
	service := os.Getenv("PORTICO_SERVICE")
	if registry == "" || service == "" {
		if registry != "" {
			log.warn("not registering with Portico: PORTICO_SERVICE is not set")
		}
		close(r.done)
		return r
	}
	instance := os.Getenv("PORTICO_INSTANCE_ID")
	if instance == "" {
		instance, _ = os.Hostname()
	}
	r.url = registry + "/v1/services/" + url.PathEscape(service) + "/instances/" + url.PathEscape(instance)
	r.token = os.Getenv("PORTICO_REGISTRY_TOKEN")
	body := map[string]any{"address": ownAddress(), "port": port}
	if v := os.Getenv("PORTICO_SERVICE_VERSION"); v != "" {
		body["version"] = v
	}
	if p := os.Getenv("PORTICO_HEALTH_PATH"); p != "" {
		body["healthPath"] = p
	}
	r.body, _ = json.Marshal(body)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(ctx, registry, service, instance)
	return r
}

func (r *registration) run(ctx context.Context, registry, service, instance string) {
	defer close(r.done)
	failures := 0
	backoff := func() time.Duration {
		d := backoffStart << min(failures, 10)
		if d > backoffMax || d <= 0 {
			d = backoffMax
		}
		failures++
		return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))
	}
	ttl := defaultTTL
	registered := false
	for {
		var wait time.Duration
		if !registered {
			status, answer, err := r.send(ctx, http.MethodPut, r.url, r.body)
			switch {
			case err == nil && status < 300:
				if answer.TTLMs > 0 {
					ttl = time.Duration(answer.TTLMs) * time.Millisecond
				}
				r.log.info("registered with the Portico registry", "registry", registry, "service", service, "instanceId", instance)
				registered, failures = true, 0
				r.mu.Lock()
				r.enrolled = true
				r.mu.Unlock()
				wait = heartbeatDelay(ttl)
			case err == nil && (status == 400 || status == 401):
				// Retrying cannot fix a rejected registration or a wrong token: say why and stop.
				r.log.warn("the Portico registry rejected this instance; not registering", "status", status, "reason", answer.Message)
				return
			default:
				if failures == 0 {
					r.log.warn("Portico registry not reachable yet; retrying", "registry", registry, "status", status, "error", err)
				}
				wait = backoff()
			}
		} else {
			status, _, err := r.send(ctx, http.MethodPut, r.url+"/heartbeat", nil)
			switch {
			case err == nil && status == http.StatusNotFound:
				// The registry restarted (or expired us): register again right away.
				r.log.info("unknown to the Portico registry; registering again")
				registered = false
			case err == nil && status < 300:
				failures = 0
				wait = heartbeatDelay(ttl)
			default:
				// Unreachable (restarting): keep trying, but not slower than the heartbeat period.
				wait = backoff()
				if hb := heartbeatDelay(ttl); hb < wait {
					wait = hb
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

type registryAnswer struct {
	TTLMs   int64  `json:"ttlMs"`
	Message string `json:"message"`
}

func (r *registration) send(ctx context.Context, method, target string, body []byte) (int, registryAnswer, error) {
	var answer registryAnswer
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return 0, answer, err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := r.client.Do(req)
	if err != nil {
		return 0, answer, err
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(&answer)
	return res.StatusCode, answer, nil
}

// stop ends the heartbeats and deregisters (when registered), within 2 s.
func (r *registration) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.mu.Lock()
	enrolled := r.enrolled
	r.mu.Unlock()
	if !enrolled {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := r.send(ctx, http.MethodDelete, r.url, nil); err != nil {
		r.log.warn("could not deregister from the Portico registry", "error", err)
		return
	}
	r.log.info("deregistered from the Portico registry")
}

func heartbeatDelay(ttl time.Duration) time.Duration {
	if d := ttl / 3; d > 250*time.Millisecond {
		return d
	}
	return 250 * time.Millisecond
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// ownAddress is this container's IP on its network: the first non-loopback IPv4, else the hostname.
func ownAddress() string {
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
				return ip.IP.String()
			}
		}
	}
	host, _ := os.Hostname()
	return host
}
