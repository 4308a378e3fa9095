package graph

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"switchboard/ent"
	"switchboard/internal/apperr"
)

// rejectNUL refuses any operation whose arguments hold a string with a
// NUL character (\u0000) or invalid UTF-8, anywhere: top-level strings,
// input objects, lists, JSON scalars, upload file names, and the arguments
// of nested fields. PostgreSQL cannot store or compare such text (it
// answered INTERNAL), and SQLite would store it silently; neither is what
// a client meant. The answer is BAD_USER_INPUT with the argument's path in
// extensions.field ("input.name", "filter.search", "input.tags.1"), before
// any resolver runs, so nothing changes.
//
// It also refuses a nested connection's after/before cursor that does not
// decode: ent's eager loading reads nested arguments while resolving the
// parent, and would fail on it (INTERNAL). A root field's own cursor fails
// in gqlgen before any middleware; the error presenter maps that one
// (undecodableArgument).
//
// It runs once per root field and walks the whole selection below it, as
// the client sent it, so every field, present and future, is covered.
func rejectNUL(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !isRootField(fc) || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if err := checkArguments(fc.Field.Field, graphql.GetOperationContext(ctx).Variables); err != nil {
		return nil, err
	}
	return next(ctx)
}

// isRootField reports whether fc is a field of the operation's root type:
// above it are only contexts without a field (the root object's).
func isRootField(fc *graphql.FieldContext) bool {
	for p := fc.Parent; p != nil; p = p.Parent {
		if p.Field.Field != nil {
			return false
		}
	}
	return true
}

// checkArguments checks the arguments of f and of every field selected
// below it, fragments included.
func checkArguments(f *ast.Field, vars map[string]any) error {
	if len(f.Arguments) > 0 {
		args := f.ArgumentMap(vars)
		for _, name := range sortedKeys(args) {
			if err := checkText(name, reflect.ValueOf(args[name])); err != nil {
				return err
			}
			if def := f.Definition; def != nil && args[name] != nil {
				if a := def.Arguments.ForName(name); a != nil && a.Type.Name() == "Cursor" {
					if err := new(ent.Cursor).UnmarshalGQL(args[name]); err != nil {
						return badCursor(name)
					}
				}
			}
		}
	}
	return checkSelections(f.SelectionSet, vars)
}

func checkSelections(set ast.SelectionSet, vars map[string]any) error {
	for _, sel := range set {
		var err error
		switch sel := sel.(type) {
		case *ast.Field:
			err = checkArguments(sel, vars)
		case *ast.InlineFragment:
			err = checkSelections(sel.SelectionSet, vars)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				err = checkSelections(sel.Definition.SelectionSet, vars)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func badCursor(field string) *apperr.Error {
	return apperr.Input(field, "%s is not a valid cursor: pass a cursor this connection returned", field)
}

// checkText walks v, the value at path, for text no database should get.
func checkText(path string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		return checkString(path, v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkText(path, v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes (an upload's content) are not text
		}
		for i := range v.Len() {
			if err := checkText(path+"."+strconv.Itoa(i), v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			if k.Kind() == reflect.String {
				if err := checkString(path, k.String()); err != nil { // a JSON key
					return err
				}
			}
			if err := checkText(path+"."+fmt.Sprint(k), v.MapIndex(k)); err != nil {
				return err
			}
		}
	case reflect.Struct: // e.g. graphql.Upload: its file name and content type
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if err := checkText(path+"."+lowerFirst(f.Name), v.Field(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkString(path, s string) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return apperr.Input(path, "%s must not contain NUL characters (\\u0000)", path)
	case !utf8.ValidString(s):
		return apperr.Input(path, "%s is not valid UTF-8", path)
	}
	return nil
}

// undecodableArgument recognizes an error of gqlgen's argument decoding,
// such as a malformed after/before cursor (entgql's Cursor.UnmarshalGQL):
// gqlgen reports it on the field's path plus the argument's, before any
// middleware or resolver runs. It is the client's input, so it becomes
// BAD_USER_INPUT on that argument (for every connection and every scalar
// argument at once) instead of INTERNAL.
func undecodableArgument(ctx context.Context, err error) (*apperr.Error, bool) {
	var gerr *gqlerror.Error
	fc := graphql.GetFieldContext(ctx)
	if !errors.As(err, &gerr) || gerr.Err == nil || fc == nil || fc.Field.Field == nil {
		return nil, false
	}
	fieldPath := fc.Path()
	if len(gerr.Path) <= len(fieldPath) || !slices.Equal(gerr.Path[:len(fieldPath)], fieldPath) {
		return nil, false
	}
	rest := gerr.Path[len(fieldPath):]
	name, ok := rest[0].(ast.PathName)
	if !ok || fc.Field.Arguments.ForName(string(name)) == nil {
		return nil, false
	}
	parts := make([]string, len(rest))
	for i, p := range rest {
		parts[i] = fmt.Sprint(p)
	}
	field := strings.Join(parts, ".")
	what := "value"
	if def := fc.Field.Definition; def != nil && len(rest) == 1 {
		if a := def.Arguments.ForName(string(name)); a != nil {
			what = a.Type.Name()
		}
	}
	if what == "Cursor" {
		return badCursor(field), true
	}
	return apperr.Input(field, "%s is not a valid %s", field, what), true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
