package main

// Entry point: listen on PORT (all interfaces, as containers need), register with the Portico
// registry when running under `portico up`, and shut down gracefully on SIGTERM: readiness
// goes 503, the instance deregisters, in-flight requests finish, then the process exits.
// `-healthcheck` is the image's HEALTHCHECK: the image is FROM scratch, with no curl or shell.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownTimeout bounds the drain: a stuck request cannot keep the container alive.
const shutdownTimeout = 10 * time.Second

func main() {
	healthcheck := flag.Bool("healthcheck", false, "probe this service's health path on 127.0.0.1:$PORT and exit 0 (healthy) or 1")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = defaultPort
	}
	if *healthcheck {
		os.Exit(probe(port, os.Getenv("PORTICO_HEALTH_PATH")))
	}
	os.Exit(serve(port))
}

func serve(port string) int {
	log := newLogger(os.Stdout)
	a := newApp(log)
	listener, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.error("could not start", "error", err)
		return 1
	}
	server := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	listenPort := listener.Addr().(*net.TCPAddr).Port
	log.info("listening", "port", listenPort)
	registration := registerWithPortico(log, listenPort)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-served:
		log.error("server stopped", "error", err)
		registration.stop()
		return 1
	case sig := <-signals:
		log.info("shutting down", "signal", sig.String())
	}
	a.markNotReady()
	registration.stop()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Stops accepting, closes idle keep-alive connections, waits for in-flight requests.
	if err := server.Shutdown(ctx); err != nil {
		log.error("shutdown timed out; exiting", "timeoutMs", shutdownTimeout.Milliseconds(), "error", err)
		return 1
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.error("server failed", "error", err)
		return 1
	}
	log.info("stopped")
	return 0
}

// probe GETs the health path (default /healthz) on 127.0.0.1: 0 when it answers 2xx, else 1.
func probe(port, path string) int {
	if path == "" {
		path = "/healthz"
	}
	client := &http.Client{Timeout: 2 * time.Second}
	res, err := client.Get(fmt.Sprintf("http://127.0.0.1:%s%s", port, path))
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		fmt.Fprintln(os.Stderr, "unhealthy: status", res.StatusCode)
		return 1
	}
	return 0
}
