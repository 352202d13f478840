package provider

import (
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// placementRemedy maps deploy's placement errors (templates.go,
// storage_choice.go, bridges.go) onto the application attribute that decides
// them, so that the apply reports them where the plan-time checks do; each
// message says what to change.
func placementRemedy(err error) (remedy, bool) {
	var (
		template *deploy.TemplateError
		storage  *deploy.StorageError
		bridge   *deploy.BridgeError
	)
	switch {
	case errors.As(err, &template):
		return remedy{attr: path.Root("template")}, true
	case errors.As(err, &storage):
		return remedy{attr: path.Root("storage")}, true
	case errors.As(err, &bridge):
		return remedy{attr: path.Root("bridge")}, true
	}
	return remedy{}, false
}
