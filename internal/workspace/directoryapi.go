package workspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// directoryAPI implements tokens.DirectoryAPI with the workspace's SCIM
// API (/api/2.0/preview/scim/v2/ServicePrincipals and /Users), which
// every workspace user may read.
//
// Owners are looked up once per listing, never per token, and in one
// request where that is possible:
//
//   - Up to filterMaxIDs principals are asked for by a filter
//     (`id eq "1" or id eq "2" ...`): the answer holds exactly them, and
//     the URL stays under 1 KB, far below the limits of proxies and of
//     the service's filter parser.
//   - More are found in one listing of every principal, with only the
//     attributes needed (id, applicationId or userName, displayName:
//     about 100 bytes each, so 10,000 service principals are one page of
//     about 1 MB). That costs one request too, where a filter would need
//     several or risk being refused for its length.
//   - A workspace that refuses the filter (400) gets the listing instead.
//
// The SDK's own List iterator would always ask for a second, empty page
// to learn that there is no more, and decodes reflectively; this asks the
// SDK's client for the same endpoint with the SDK's request type and
// reads totalResults, so a listing that fits one page is one request.
type directoryAPI struct {
	caller
	client *client.DatabricksClient
}

// filterMaxIDs is how many IDs one filter asks for; see directoryAPI.
const filterMaxIDs = 20

// scimPageSize is the SDK's own page size for SCIM listings.
const scimPageSize = 10000

const scimPath = "/api/2.0/preview/scim/v2/"

func (a *directoryAPI) ServicePrincipals(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return a.lookup(ctx, "ServicePrincipals", "id,applicationId,displayName", ids, func(r scimResource) tokens.Identity {
		return tokens.Identity{Principal: tokens.Principal{Kind: tokens.ServicePrincipal, Name: r.ApplicationID}, DisplayName: r.DisplayName}
	})
}

func (a *directoryAPI) Users(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return a.lookup(ctx, "Users", "id,userName,displayName", ids, func(r scimResource) tokens.Identity {
		return tokens.Identity{Principal: tokens.Principal{Kind: tokens.User, Name: r.UserName}, DisplayName: r.DisplayName}
	})
}

// scimResource is the part of a SCIM user or service principal dbtok
// reads, decoded without the SDK's reflective path.
type scimResource struct {
	ID            string `json:"id"`
	ApplicationID string `json:"applicationId"`
	UserName      string `json:"userName"`
	DisplayName   string `json:"displayName"`
}

type scimList struct {
	TotalResults int64          `json:"totalResults"`
	StartIndex   int64          `json:"startIndex"`
	Resources    []scimResource `json:"Resources"`
}

func (a *directoryAPI) lookup(ctx context.Context, resource, attributes string, ids []int64, identity func(scimResource) tokens.Identity) ([]tokens.Identity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var found []scimResource
	err := a.call(ctx, func(ctx context.Context) error {
		var err error
		if len(ids) <= filterMaxIDs {
			found, err = a.list(ctx, resource, attributes, byIDs(ids))
			var e *failure.APIError
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				return err
			}
			// This workspace cannot filter by id: list them all.
		}
		found, err = a.list(ctx, resource, attributes, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []tokens.Identity
	for _, r := range found {
		n, err := strconv.ParseInt(r.ID, 10, 64)
		if err != nil || !want[n] {
			continue
		}
		id := identity(r)
		id.ID = n
		out = append(out, id)
	}
	return out, nil
}

// byIDs is a SCIM filter for these principal IDs.
func byIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("id eq %q", strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, " or ")
}

// list reads every page of a SCIM listing; one request when the answer
// fits a page (totalResults says whether more follow).
func (a *directoryAPI) list(ctx context.Context, resource, attributes, filter string) ([]scimResource, error) {
	var out []scimResource
	start := int64(1)
	for {
		var page scimList
		err := retryReads(ctx, a.timeout, func(ctx context.Context) error {
			page = scimList{}
			headers := map[string]string{"Accept": "application/json"}
			if id := a.client.Config.WorkspaceID; id != "" {
				headers["X-Databricks-Workspace-Id"] = id
			}
			// The SDK's request type, so the query is spelled as the SDK
			// spells it.
			req := iam.ListServicePrincipalsRequest{Attributes: attributes, Filter: filter, StartIndex: start, Count: scimPageSize}
			return a.client.Do(ctx, http.MethodGet, scimPath+resource, headers, map[string]any{}, req, &page)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Resources...)
		start += int64(len(page.Resources))
		if len(page.Resources) == 0 || start > page.TotalResults {
			return out, nil
		}
	}
}
