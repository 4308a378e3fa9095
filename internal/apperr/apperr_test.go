package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"switchboard/internal/apperr"
)

// Sentinels match any error of their code, and a bare sentinel is still a
// client error: As gives it its code's default message without changing
// the sentinel that every package shares.
func TestSentinels(t *testing.T) {
	named := fmt.Errorf("loading: %w", apperr.NotFoundf("contact not found"))
	if !errors.Is(named, apperr.ErrNotFound) || errors.Is(named, apperr.ErrConflict) {
		t.Fatal("errors.Is does not match by code")
	}
	if e, ok := apperr.As(named); !ok || e.Message != "contact not found" {
		t.Fatalf("As(named) = %v, %v", e, ok)
	}
	e, ok := apperr.As(fmt.Errorf("loading: %w", apperr.ErrNotFound))
	if !ok || e.Code != apperr.NotFound || e.Message != "not found" {
		t.Fatalf("As(bare sentinel) = %+v, %v; want NOT_FOUND, \"not found\"", e, ok)
	}
	if apperr.ErrNotFound.Message != "" || !errors.Is(apperr.NotFoundf("x"), apperr.ErrNotFound) {
		t.Fatal("As changed the shared sentinel")
	}
	if _, ok := apperr.As(errors.New("boom")); ok {
		t.Fatal("an unexpected error was taken for a client error")
	}
}
