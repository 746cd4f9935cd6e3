package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is an [Emulator] listening on a real TCP socket.
type Server struct {
	*Emulator
	// URL is the base URL to use as the workspace host, e.g.
	// http://127.0.0.1:43567.
	URL string

	srv       *http.Server
	served    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start serves a new emulator on an ephemeral port of 127.0.0.1.
func Start(opts Options) (*Server, error) {
	return Listen("127.0.0.1:0", opts)
}

// Listen serves a new emulator on addr. The control endpoints still answer
// only loopback clients, whatever addr is.
func Listen(addr string, opts Options) (*Server, error) {
	e, err := newEmulator(opts)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s := &Server{
		Emulator: e,
		URL:      "http://" + dialableAddr(ln.Addr()),
		srv:      &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second},
		served:   make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // always ErrServerClosed once Close has run
	}()
	return s, nil
}

// dialableAddr turns a wildcard listen address into one clients can use.
func dialableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// Close stops the server. Hung and delayed requests are aborted, other
// in-flight requests get a short grace period to finish, and Close returns
// once the handlers have returned. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.Emulator.shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.srv.Close()
		}
		<-s.served
		s.Emulator.waitIdle(2 * time.Second)
		s.closeErr = err
	})
	return s.closeErr
}
