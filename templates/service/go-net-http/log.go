package main

// JSON logs, one object per line on stdout (what `portico logs` and log collectors read):
// {"time":"...","level":"info","msg":"...","service":"...", ...fields}. Standard library
// only; log/slog needs Go 1.21 and this template builds with 1.19.

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

var levels = map[string]int{"debug": 0, "info": 1, "warn": 2, "error": 3}

type logger struct {
	mu    sync.Mutex
	out   io.Writer
	level int
}

// newLogger writes to out at LOG_LEVEL (debug, info, warn, error; default info).
func newLogger(out io.Writer) *logger {
	level, ok := levels[strings.ToLower(os.Getenv("LOG_LEVEL"))]
	if !ok {
		level = levels["info"]
	}
	return &logger{out: out, level: level}
}

// fields are key/value pairs: log.info("listening", "port", 8080).
func (l *logger) log(level, msg string, fields ...any) {
	if l == nil || levels[level] < l.level {
		return
	}
	entry := map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "level": level, "msg": msg, "service": serviceName}
	for i := 0; i+1 < len(fields); i += 2 {
		key, _ := fields[i].(string)
		value := fields[i+1]
		if err, ok := value.(error); ok {
			value = err.Error()
		}
		entry[key] = value
	}
	line, err := json.Marshal(entry)
	if err != nil {
		line = []byte(`{"level":"error","msg":"unloggable entry"}`)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out.Write(append(line, '\n'))
}

func (l *logger) debug(msg string, fields ...any) { l.log("debug", msg, fields...) }
func (l *logger) info(msg string, fields ...any)  { l.log("info", msg, fields...) }
func (l *logger) warn(msg string, fields ...any)  { l.log("warn", msg, fields...) }
func (l *logger) error(msg string, fields ...any) { l.log("error", msg, fields...) }
