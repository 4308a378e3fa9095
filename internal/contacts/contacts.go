// Package contacts manages a tenant's customers: phone normalization to
// E.164, CRUD, search, and CSV import and export.
package contacts

// Service is the contacts service.
type Service struct{}

// New returns a Service.
func New() *Service { return &Service{} }
