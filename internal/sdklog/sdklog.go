// Package sdklog routes the Databricks SDK's log output to dbtok's --debug
// stream, scrubbed of secrets, and silences it otherwise.
package sdklog

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/databricks/databricks-sdk-go/logger"
	"github.com/dbtok/dbtok/internal/redact"
)

// Logger implements the SDK's logger.Logger.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	debug bool
}

// Install makes the SDK log through a Logger writing to w. Without debug
// nothing is written: the SDK's default logger would print warnings (such
// as a failed host-metadata lookup) on stderr, where users read errors.
func Install(w io.Writer, debug bool) *Logger {
	l := &Logger{w: w, debug: debug}
	logger.DefaultLogger = l
	return l
}

func (l *Logger) Enabled(_ context.Context, level logger.Level) bool {
	return l.debug && level >= logger.LevelDebug
}

func (l *Logger) write(level string, format string, v ...any) {
	msg := redact.String(fmt.Sprintf(format, v...))
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := time.Now().Format("15:04:05.000")
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(l.w, "%s [%s] %s\n", ts, level, line)
	}
}

// Debugf is also dbtok's own entry point for debug lines.
func (l *Logger) Debugf(ctx context.Context, format string, v ...any) {
	if l.Enabled(ctx, logger.LevelDebug) {
		l.write("debug", format, v...)
	}
}

func (l *Logger) Tracef(context.Context, string, ...any) {}

func (l *Logger) Infof(ctx context.Context, format string, v ...any) {
	if l.Enabled(ctx, logger.LevelInfo) {
		l.write("info", format, v...)
	}
}

func (l *Logger) Warnf(ctx context.Context, format string, v ...any) {
	if l.Enabled(ctx, logger.LevelWarn) {
		l.write("warn", format, v...)
	}
}

func (l *Logger) Errorf(ctx context.Context, format string, v ...any) {
	if l.Enabled(ctx, logger.LevelError) {
		l.write("error", format, v...)
	}
}
