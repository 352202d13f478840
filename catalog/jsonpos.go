package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// badJSON describes a decoding error with the line and column where it
// happened in the file, so it can be found in an editor; base is where the
// decoded value starts in file (an item of a single-file catalog).
func badJSON(file []byte, base int64, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case errors.As(err, &syntax):
		// The decoder has read the offending byte; point at it.
		offset = max(syntax.Offset-1, 0)
	case errors.As(err, &typ):
		// Offset is just past the value; name the field in the file's
		// terms, not the decoder's Go types.
		offset = typ.Offset
		err = fmt.Errorf("field %q holds a JSON %s where %s is expected", strings.TrimPrefix(typ.Field, "App."), typ.Value, jsonKind(typ.Type))
	}
	if offset < 0 {
		return fmt.Errorf("bad JSON: %w", err)
	}
	offset += base
	if offset > int64(len(file)) {
		offset = int64(len(file))
	}
	before := file[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("bad JSON at line %d, column %d (byte %d): %w", line, column, offset, err)
}

// itemOffsets returns where each element of the top-level "items" list of a
// single-file catalog starts, for badJSON; nil when data is not such an
// object (the caller has reported that already). Like json.Unmarshal, the
// last "items" key wins.
func itemOffsets(data []byte) []int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var offsets []int64
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "items" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		offsets = nil
		for dec.More() {
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return nil
			}
			// The decoder stands right after the value it decoded.
			offsets = append(offsets, dec.InputOffset()-int64(len(raw)))
		}
		if _, err := dec.Token(); err != nil {
			return nil
		}
	}
	return offsets
}

// jsonKind names a Go type as the JSON value it reads.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
