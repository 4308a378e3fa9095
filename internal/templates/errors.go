package templates

import "switchboard/internal/apperr"

// The refusals of the templates operations. Another tenant's template or
// channel answers like a nonexistent one.
var (
	ErrNoChannel  = &apperr.Error{Code: apperr.NotFound, Field: "input.channelId", Message: "no channel with that id"}
	ErrNoTemplate = &apperr.Error{Code: apperr.NotFound, Field: "id", Message: "no template with that id"}
	// ErrSendNoTemplate is sendMessage's template.templateId naming no
	// template of the tenant.
	ErrSendNoTemplate = &apperr.Error{Code: apperr.NotFound, Field: "input.template.templateId", Message: "no template with that id"}
)
