package delivery

import (
	"context"
	"io"
	"time"

	"github.com/dbtok/dbtok/internal/tokens"
)

// Request is where the user asked a new token's value to go.
type Request struct {
	File  string
	Force bool
	// Stdout is --out -: print the value even when it also goes elsewhere.
	Stdout        bool
	Pipes         []string
	Secrets       []SecretRef
	SecretProfile string
}

// Named reports whether a destination other than stdout was named.
func (r Request) Named() bool {
	return r.File != "" || len(r.Pipes) > 0 || len(r.Secrets) > 0
}

// Printed reports whether the value is printed: asked for with --out -,
// or no destination named at all. elsewhere is a destination of the
// command's own (rotate --update-profile).
func (r Request) Printed(elsewhere bool) bool {
	return r.Stdout || !r.Named() && !elsewhere
}

// Env is what Prepare needs from the command.
type Env struct {
	// What names the token in messages ("the token", "the new token").
	What string
	// Timeout bounds each --pipe-to command.
	Timeout time.Duration
	// Output receives what --pipe-to commands print.
	Output io.Writer
	// Secrets is the Secrets API of the workspace a secret goes to: the
	// profile --secret-profile names, or for "" the token's own.
	Secrets func(ctx context.Context, profile string) (SecretsAPI, tokens.Place, error)
}

// Prepare checks every destination r names before the token exists, and
// returns them in the order they are delivered to: commands first, then
// secrets, then the file. What fails most often goes first, so that a
// failure usually finds nothing delivered yet and the new token can simply
// be revoked again.
func Prepare(ctx context.Context, r Request, env Env) (dests []Destination, err error) {
	defer func() {
		if err != nil {
			CloseAll(dests)
			dests = nil
		}
	}()
	for _, c := range r.Pipes {
		p, err := PreparePipe(c, env.Timeout, env.Output)
		if err != nil {
			return dests, err
		}
		dests = append(dests, p)
	}
	if len(r.Secrets) > 0 {
		api, place, err := env.Secrets(ctx, r.SecretProfile)
		if err != nil {
			return dests, err
		}
		for _, ref := range r.Secrets {
			s, err := PrepareSecret(ctx, api, place, ref)
			if err != nil {
				return dests, err
			}
			dests = append(dests, s)
		}
	}
	if r.File != "" {
		f, err := PrepareFile(r.File, r.Force, env.What)
		if err != nil {
			return dests, err
		}
		dests = append(dests, f)
	}
	return dests, nil
}
