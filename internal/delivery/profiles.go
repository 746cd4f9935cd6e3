package delivery

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbtok/dbtok/internal/databrickscfg"
)

// Profiles is --update-profile: the new value goes into the token line of
// every profile that held the old one, in one atomic write of the config
// file under its lock; then dbtok reads the file back, proves it holds the
// new value, and proves each profile signs in as written. If any check
// fails the previous file comes back.
type Profiles struct {
	update *databrickscfg.Update
	names  []string
	// check signs in with a profile exactly as the file on disk says.
	check func(ctx context.Context, profile string) error

	backup string
}

// PrepareProfiles checks, before anything is created, that every profile's
// token line can be rewritten and that the file's folder takes new files.
// update holds the config file's lock until Close.
func PrepareProfiles(update *databrickscfg.Update, names []string, check func(ctx context.Context, profile string) error) (*Profiles, error) {
	probe := update.Raw
	var err error
	for _, name := range names {
		// A stand-in value of the real shape proves the edit works.
		if probe, err = databrickscfg.SetToken(probe, name, "dapi"+strings.Repeat("0", 32)); err != nil {
			return nil, fmt.Errorf("cannot update %s: %v", update.Path, err)
		}
	}
	if err := update.Probe(); err != nil {
		return nil, err
	}
	return &Profiles{update: update, names: names, check: check}, nil
}

func (p *Profiles) String() string {
	return fmt.Sprintf("profile %s in %s", strings.Join(p.names, ", "), p.update.Path)
}

// Names are the profiles updated.
func (p *Profiles) Names() []string { return p.names }

// Backup is where the previous file was kept.
func (p *Profiles) Backup() string { return p.backup }

// Path is the config file.
func (p *Profiles) Path() string { return p.update.Path }

func (p *Profiles) Target() Target {
	return Target{Type: "profiles", ConfigFile: p.update.Path, Profiles: p.names}
}

func (p *Profiles) Deliver(ctx context.Context, item Item) error {
	value := item.Value
	data := p.update.Raw
	var err error
	for _, name := range p.names {
		if data, err = databrickscfg.SetToken(data, name, value.Reveal()); err != nil {
			return fmt.Errorf("cannot update %s: %v", p.update.Path, err)
		}
	}
	if p.backup, err = p.update.Commit(data); err != nil {
		return err
	}
	// The proof is the file as it is now: it must hold the new value (a
	// concurrent edit that bypassed the lock would show here), and each
	// profile must sign in as written, which the old token would no longer
	// prove once it is revoked.
	var failed []string
	if err := p.update.Holds(data); err != nil {
		failed = append(failed, err.Error())
	} else {
		for _, name := range p.names {
			if err := p.check(ctx, name); err != nil {
				failed = append(failed, fmt.Sprintf("profile %s: %v", name, err))
			}
		}
	}
	if len(failed) > 0 {
		restore := ""
		if rerr := p.update.Restore(); rerr != nil {
			restore = fmt.Sprintf(" (and restoring it failed: %v; the previous file is in %s)", rerr, p.backup)
		}
		return fmt.Errorf("the rewritten %s did not work (%s), so the previous file is back%s", p.update.Path, strings.Join(failed, "; "), restore)
	}
	return nil
}

func (p *Profiles) Close() { p.update.Close() }
