package azurestorage

import (
	"encoding/base64"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

type updateReplaceIfMatch struct{ etag azcore.ETag }

func (u updateReplaceIfMatch) opts() aztables.UpdateEntityOptions {
	e := u.etag
	return aztables.UpdateEntityOptions{IfMatch: &e, UpdateMode: aztables.UpdateModeReplace}
}

func base64StdEncode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
