package workspace

import (
	"context"
	"time"

	"github.com/databricks/databricks-sdk-go/client"
	sdkws "github.com/databricks/databricks-sdk-go/service/workspace"
)

// secretsAPI implements delivery.SecretsAPI with the SDK's Secrets service.
type secretsAPI struct {
	caller
	secrets *sdkws.SecretsAPI
}

func newSecretsAPI(once *client.DatabricksClient, c caller) *secretsAPI {
	return &secretsAPI{caller: c, secrets: sdkws.NewSecrets(once)}
}

// Put stores value under scope/key. It is not repeated after a failure
// that may have reached the server: putting the same value twice is
// harmless, but the caller decides.
func (a *secretsAPI) Put(ctx context.Context, scope, key, value string) error {
	return a.call(ctx, func(ctx context.Context) error {
		if e := changing(ctx, a.timeout, func(ctx context.Context) error {
			return a.secrets.PutSecret(ctx, sdkws.PutSecret{Scope: scope, Key: key, StringValue: value})
		}); e != nil {
			return e
		}
		return nil
	})
}

// Updated reads the secret's metadata back: when it was last written, and
// whether it exists at all. The value itself is never read.
func (a *secretsAPI) Updated(ctx context.Context, scope, key string) (time.Time, bool, error) {
	var at time.Time
	var found bool
	err := a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			resp, err := a.secrets.ListSecretsByScope(ctx, scope)
			if err != nil {
				return err
			}
			for _, m := range resp.Secrets {
				if m.Key == key {
					at, found = time.UnixMilli(m.LastUpdatedTimestamp), true
				}
			}
			return nil
		})
	})
	return at, found, err
}
