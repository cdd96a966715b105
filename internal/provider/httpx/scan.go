package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Scanner reads one JSON document from a byte slice without reflection, for the answers that
// every sync reads (a group's participants): the caller walks the values it wants and skips the
// rest, and only the strings it keeps are allocated. It accepts exactly what encoding/json
// accepts; the first error stops the walk, and Err reports it.
type Scanner struct {
	b   []byte
	i   int
	err error
}

// NewScanner starts a scan of b.
func NewScanner(b []byte) *Scanner { return &Scanner{b: b} }

// Err is the first error met, including trailing data after the document once End was called.
func (s *Scanner) Err() error { return s.err }

// End checks that nothing but white space follows the document.
func (s *Scanner) End() error {
	if s.err == nil && s.ws() < len(s.b) {
		s.fail("data after the JSON value")
	}
	return s.err
}

func (s *Scanner) fail(what string) {
	if s.err == nil {
		s.err = fmt.Errorf("invalid JSON at byte %d: %s", s.i, what)
	}
}

// ws skips white space and returns the position of the next byte.
func (s *Scanner) ws() int {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return s.i
		}
	}
	return s.i
}

func (s *Scanner) peek() byte {
	if s.ws() < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// Null consumes a null and reports whether the next value was one.
func (s *Scanner) Null() bool {
	if s.err == nil && s.peek() == 'n' {
		s.literal("null")
		return true
	}
	return false
}

// Object walks an object, calling field with each key (valid only during the call), which must
// consume the key's value. A null is an empty object. It reports whether the value was an
// object or null, and no error was met.
func (s *Scanner) Object(field func(key []byte)) bool {
	if s.err != nil || s.Null() {
		return s.err == nil
	}
	if s.peek() != '{' {
		s.fail("want an object")
		return false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true
	}
	for s.err == nil {
		if s.peek() != '"' {
			s.fail("want a key")
			return false
		}
		key, escaped := s.rawString()
		if escaped {
			key = []byte(unescape(s, key))
		}
		if s.peek() != ':' {
			s.fail("want ':'")
			return false
		}
		s.i++
		field(key)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return s.err == nil
		default:
			s.fail("want ',' or '}'")
		}
	}
	return false
}

// Array walks an array, calling elem for each element, which must consume it. A null is an
// empty array.
func (s *Scanner) Array(elem func()) bool {
	if s.err != nil || s.Null() {
		return s.err == nil
	}
	if s.peek() != '[' {
		s.fail("want an array")
		return false
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return true
	}
	for s.err == nil {
		elem()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return s.err == nil
		default:
			s.fail("want ',' or ']'")
		}
	}
	return false
}

// String reads a string; a null is "", any other type an error.
func (s *Scanner) String() string {
	if s.err != nil || s.Null() {
		return ""
	}
	if s.peek() != '"' {
		s.fail("want a string")
		s.Skip()
		return ""
	}
	raw, escaped := s.rawString()
	if escaped {
		return unescape(s, raw)
	}
	return string(raw)
}

// Bool reads true or false; a null is false, any other type an error.
func (s *Scanner) Bool() bool {
	switch s.peek() {
	case 't':
		s.literal("true")
		return true
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.fail("want a boolean")
		s.Skip()
	}
	return false
}

// Skip consumes one value of any type, checking it.
func (s *Scanner) Skip() {
	if s.err != nil {
		return
	}
	switch c := s.peek(); {
	case c == '{':
		s.Object(func([]byte) { s.Skip() })
	case c == '[':
		s.Array(s.Skip)
	case c == '"':
		s.rawString()
	case c == 't':
		s.literal("true")
	case c == 'f':
		s.literal("false")
	case c == 'n':
		s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s.number()
	default:
		s.fail("want a value")
	}
}

func (s *Scanner) literal(word string) {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		s.fail("want " + word)
		return
	}
	s.i += len(word)
}

// rawString consumes a string at s.i (a '"') and returns its bytes between the quotes, and
// whether they hold an escape.
func (s *Scanner) rawString() (raw []byte, escaped bool) {
	start := s.i + 1
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], escaped
		case c == '\\':
			escaped = true
			if !validEscape(s.b[i+1:]) {
				s.i = i
				s.fail("bad escape in a string")
				return nil, false
			}
			i++
		case c < 0x20:
			s.i = i
			s.fail("control character in a string")
			return nil, false
		}
	}
	s.i = len(s.b)
	s.fail("unterminated string")
	return nil, false
}

// validEscape checks the escape that follows a backslash: one of "\/bfnrt, or u and four hex
// digits (a lone surrogate is valid JSON, and decodes to U+FFFD).
func validEscape(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return true
	case 'u':
		if len(b) < 5 {
			return false
		}
		for _, h := range b[1:5] {
			if hex := '0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F'; !hex {
				return false
			}
		}
		return true
	}
	return false
}

// unescape decodes a string with escapes, rare in these answers, through encoding/json, which
// also checks them.
func unescape(s *Scanner, raw []byte) string {
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var out string
	if err := json.Unmarshal(quoted, &out); err != nil {
		s.fail("bad escape in a string")
		return ""
	}
	return out
}

var errNumber = errors.New("bad number")

// number consumes a number in JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() {
	b, i := s.b, s.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	err := func() error {
		if i < len(b) && b[i] == '-' {
			i++
		}
		switch {
		case i < len(b) && b[i] == '0':
			i++
		case !digits():
			return errNumber
		}
		if i < len(b) && b[i] == '.' {
			i++
			if !digits() {
				return errNumber
			}
		}
		if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
			i++
			if i < len(b) && (b[i] == '+' || b[i] == '-') {
				i++
			}
			if !digits() {
				return errNumber
			}
		}
		return nil
	}()
	s.i = i
	if err != nil {
		s.fail("bad number")
	}
}

// Kind is the first byte of the next value ('{', '[', '"', 't', 'f', 'n', '-' or a digit), or
// 0 at the end or after an error.
func (s *Scanner) Kind() byte {
	if s.err != nil {
		return 0
	}
	return s.peek()
}

// Raw consumes one value and returns its bytes, checked.
func (s *Scanner) Raw() []byte {
	start := s.ws()
	s.Skip()
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i]
}
