package tokenstest

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/dbtok/dbtok/internal/tokens"
)

// Record is dbtok's delivery record in memory. It is a tokens.Record (what
// the engine reads) and a cmdutil.Recorder (what commands change).
type Record struct {
	// Err, when set, makes Record and Forget fail.
	Err error

	mu sync.Mutex
	// digestIDs are the host keys known to derive IDs from values.
	digestIDs map[string]bool
	// issued maps a host key and a value's digest to the token ID.
	issued map[string]map[string]string
	forgot []Forgot
}

// Forgot is one call of Forget.
type Forgot struct {
	Host string
	IDs  []string
}

// Remember records that dbtok delivered the token with value and id on
// host, as an earlier run would have.
func (r *Record) Remember(host string, value tokens.Secret, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.put(tokens.HostKey(host), value.Digest(), id)
}

func (r *Record) put(key, digest, id string) {
	if r.issued == nil {
		r.issued = map[string]map[string]string{}
	}
	if r.issued[key] == nil {
		r.issued[key] = map[string]string{}
	}
	r.issued[key][digest] = id
}

// Issued reports the token ID recorded for value on host.
func (r *Record) Issued(host string, value tokens.Secret) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.issued[tokens.HostKey(host)][value.Digest()]
	return id, ok
}

// IssuedIDs are the token IDs recorded for host, sorted.
func (r *Record) IssuedIDs(host string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, id := range r.issued[tokens.HostKey(host)] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Forgotten are the calls of Forget, in order.
func (r *Record) Forgotten() []Forgot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.forgot)
}

// Lookup implements tokens.Record.
func (r *Record) Lookup(host, value string) (string, bool) {
	return r.Issued(host, tokens.NewSecret(value))
}

// UsesDigestIDs implements tokens.Record.
func (r *Record) UsesDigestIDs(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.digestIDs[tokens.HostKey(host)]
}

// NoteDigestIDs implements tokens.Record.
func (r *Record) NoteDigestIDs(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.digestIDs == nil {
		r.digestIDs = map[string]bool{}
	}
	r.digestIDs[tokens.HostKey(host)] = true
}

// Record implements cmdutil.Recorder: it remembers a delivered token and
// forgets the revoked ones.
func (r *Record) Record(host, value, tokenID string, revoked ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	key := tokens.HostKey(host)
	r.put(key, tokens.NewSecret(value).Digest(), tokenID)
	r.drop(key, revoked)
	return nil
}

// Forget implements cmdutil.Recorder.
func (r *Record) Forget(host string, tokenIDs ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.forgot = append(r.forgot, Forgot{Host: host, IDs: slices.Clone(tokenIDs)})
	r.drop(tokens.HostKey(host), tokenIDs)
	return nil
}

func (r *Record) drop(key string, ids []string) {
	for digest, id := range r.issued[key] {
		if slices.Contains(ids, id) {
			delete(r.issued[key], digest)
		}
	}
}

// Asker is a person at a terminal who answers every question the same way.
type Asker struct {
	// NoTerminal makes CanAsk false: no one can be asked.
	NoTerminal bool
	// Yes is the answer to every question.
	Yes bool
	// Err is returned by Confirm (a Ctrl-C, say).
	Err error

	mu        sync.Mutex
	plans     []*tokens.Plan
	questions []string
}

var _ tokens.Asker = (*Asker)(nil)

func (a *Asker) CanAsk() bool { return !a.NoTerminal }

func (a *Asker) ShowPlan(p *tokens.Plan) error {
	if a.NoTerminal {
		return errors.New("tokenstest: ShowPlan without a terminal")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.plans = append(a.plans, p)
	return nil
}

func (a *Asker) Confirm(_ context.Context, question string) (bool, error) {
	if a.NoTerminal {
		return false, errors.New("tokenstest: Confirm without a terminal")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.questions = append(a.questions, question)
	if a.Err != nil {
		return false, a.Err
	}
	return a.Yes, nil
}

// Plans are the plans shown, in order.
func (a *Asker) Plans() []*tokens.Plan {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.plans)
}

// Questions are the questions asked, in order.
func (a *Asker) Questions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.questions)
}
