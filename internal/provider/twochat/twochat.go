// Package twochat is the provider client for 2Chat (api.p.2chat.io): the API key goes in the
// X-User-API-Key header, the account is the connected number sent as from_number, groups are
// 2Chat UUIDs, participants are +E164, and a write carries at most 10 participants.
package twochat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wagov/wagov/internal/provider"
	"github.com/wagov/wagov/internal/provider/httpx"
	"github.com/wagov/wagov/internal/roster"
)

// TypeName is the spec.type that selects this client.
const TypeName = "TwoChat"

// MaxBatch is 2Chat's documented cap on participants per add/remove/promote/demote call.
const MaxBatch = 10

func init() {
	provider.Register(TypeName, provider.Capabilities{
		MaxBatch:        MaxBatch,
		DefaultEndpoint: "https://api.p.2chat.io",
		// 2Chat: "it can take a few minutes for 2Chat to be able to see the changes made".
		ReadLag: 5 * time.Minute,
	}, New)
}

// Client is a 2Chat account.
type Client struct {
	base   string
	from   roster.Phone
	header http.Header
	http   *http.Client
}

// New builds a client for the account named by cfg.Account, a connected number in E.164.
func New(cfg provider.Config) (provider.Client, error) {
	from, err := roster.Normalize(cfg.Account)
	if err != nil {
		return nil, fmt.Errorf("2Chat account must be the connected number in E.164 (from_number): %w", err)
	}
	if cfg.Credential == "" {
		return nil, fmt.Errorf("2Chat: empty API key: %w", provider.ErrUnauthorized)
	}
	return &Client{
		base:   strings.TrimSuffix(cfg.Endpoint, "/") + "/open/whatsapp",
		from:   from,
		header: http.Header{"X-User-Api-Key": {cfg.Credential}},
		http:   cfg.HTTP,
	}, nil
}

// envelope is the part every 2Chat answer shares. Each answer type embeds it, so that a body is
// decoded once; its fields stay raw until needed, so that a value of an odd type there fails
// nothing.
type envelope struct {
	Success json.RawMessage `json:"success"`
	Error   json.RawMessage `json:"error"`
	Message json.RawMessage `json:"message"`
}

func (e *envelope) shared() *envelope { return e }

// answer is a 2Chat answer: a struct that embeds envelope.
type answer interface{ shared() *envelope }

// refused reports whether the answer says success: false.
func (e *envelope) refused() bool {
	var ok *bool
	return json.Unmarshal(e.Success, &ok) == nil && ok != nil && !*ok
}

// message is the answer's own explanation (error, else message), without the API key.
func (e *envelope) message(key string) string {
	var msg string
	if json.Unmarshal(e.Error, &msg) != nil || msg == "" {
		_ = json.Unmarshal(e.Message, &msg)
	}
	return httpx.Scrub(msg, key)
}

// call sends one request and decodes a successful answer into out, in one pass.
func (c *Client) call(ctx context.Context, what, method, path string, body any, out answer) error {
	// The body is lent: the answer keeps copies of what it reads (encoding/json copies, and
	// the scanner copies its strings and raw values).
	answered := false
	err := httpx.Read(ctx, c.http, method, c.base+path, c.header, body, func(resp *httpx.Response) error {
		answered = true
		return c.answer(what, method, resp, out)
	})
	if err != nil && !answered {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// answer reads a response into out.
func (c *Client) answer(what, method string, resp *httpx.Response, out answer) error {
	key := c.header.Get("X-User-Api-Key")
	if resp.Status < 200 || resp.Status > 299 {
		var env envelope
		_ = json.Unmarshal(resp.Body, &env) // only its message is wanted, if there is one
		if resp.Status == http.StatusForbidden && method == http.MethodPost {
			// 2Chat does not document its errors; a refused write on a known group means the
			// number lacks admin rights there.
			return fmt.Errorf("%s: HTTP 403: %w: %s", what, provider.ErrNotAdmin, env.message(key))
		}
		return httpx.StatusError(what, resp, env.message(key))
	}
	// A field of an unexpected type lets the others decode, so success: false is seen even in
	// an answer that is otherwise malformed.
	var err error
	if sc, ok := out.(interface{ scan([]byte) bool }); !ok || !sc.scan(resp.Body) {
		err = httpx.Decode(resp, what, out)
	}
	if env := out.shared(); env.refused() {
		return fmt.Errorf("%s: %w: %s", what, provider.ErrInvalidRequest, env.message(key))
	}
	return err
}

// lenient is a part of an answer whose shape 2Chat does not pin down: a part of another shape
// decodes as far as it can and fails nothing, and the outcomes it lacks stay Unknown.
type lenient[T any] struct{ v T }

func (l *lenient[T]) UnmarshalJSON(b []byte) error {
	_ = json.Unmarshal(b, &l.v)
	return nil
}

// OwnNumber is the connected number the account acts as: 2Chat's from_number, spec.account.
func (c *Client) OwnNumber() roster.Phone { return c.from }

// CheckAccount lists the key's numbers and checks that from_number is one of them and connected.
func (c *Client) CheckAccount(ctx context.Context) error {
	var out struct {
		envelope
		Numbers []struct {
			PhoneNumber      string `json:"phone_number"`
			ConnectionStatus string `json:"connection_status"`
		} `json:"numbers"`
	}
	if err := c.call(ctx, "list 2Chat numbers", http.MethodGet, "/get-numbers", nil, &out); err != nil {
		return err
	}
	for _, n := range out.Numbers {
		if p, err := roster.Normalize(n.PhoneNumber); err == nil && p == c.from {
			if n.ConnectionStatus != "" && n.ConnectionStatus != "C" {
				return fmt.Errorf("2Chat number %s is not connected (status %q): %w", c.from.E164(), n.ConnectionStatus, provider.ErrUnavailable)
			}
			return nil
		}
	}
	return fmt.Errorf("2Chat number %s is not connected to this API key: %w", c.from.E164(), provider.ErrNotFound)
}

type participant struct {
	ID           string `json:"wa_participant_id"`
	PhoneNumber  string `json:"phone_number"`
	IsAdmin      bool   `json:"wa_is_admin"`
	IsSuperAdmin bool   `json:"wa_is_super_admin"`
}

// ReadGroup reads the group with its participants in one call.
func (c *Client) ReadGroup(ctx context.Context, groupID string) (roster.Group, error) {
	out := &groupAnswer{}
	what := "read 2Chat group " + groupID
	if err := c.call(ctx, what, http.MethodGet, "/group/"+url.PathEscape(groupID), nil, out); err != nil {
		return roster.Group{}, err
	}
	if out.Data == nil {
		return roster.Group{}, fmt.Errorf("%s: response has no data: %w", what, provider.ErrUnavailable)
	}
	g := roster.Group{ID: groupID, Name: out.Data.Name, Self: c.from, Participants: make([]roster.Participant, len(out.Data.Participants))}
	for i, p := range out.Data.Participants {
		g.Participants[i] = toParticipant(p)
	}
	releaseParticipants(out.Data.Participants)
	return g, nil
}

// groupAnswer is the answer of GET /group/{uuid}.
type groupAnswer struct {
	envelope
	Data *groupData `json:"data"`
}

type groupData struct {
	UUID         string        `json:"uuid"`
	Name         string        `json:"wa_group_name"`
	Participants []participant `json:"participants"`
}

// participantBuffers hold the participants of answers being read, which ReadGroup turns into
// roster participants at once: a read grows no slice of its own.
var participantBuffers = sync.Pool{New: func() any { return new([]participant) }}

func participantBuffer() []participant {
	if ps := *participantBuffers.Get().(*[]participant); ps != nil {
		return ps[:0]
	}
	return make([]participant, 0, 64)
}

func releaseParticipants(ps []participant) {
	clear(ps) // no strings of an answer outlive it here
	ps = ps[:0]
	participantBuffers.Put(&ps)
}

// scan reads the answer without reflection, since every sync reads one: it reports false,
// leaving the answer to encoding/json, for anything but the plain shape (a field of another
// type, a key in another case, a string that is not UTF-8), so that both read alike.
func (a *groupAnswer) scan(body []byte) bool {
	s := httpx.NewScanner(body)
	plain := true
	str := func(dst *string) {
		if v := s.String(); utf8.ValidString(v) {
			*dst = v
		} else {
			plain = false
		}
	}
	other := func(key []byte, known ...string) {
		// encoding/json matches keys under Unicode case folding; an ASCII key folds to a
		// name of its own length only.
		ascii := !slices.ContainsFunc(key, func(b byte) bool { return b >= utf8.RuneSelf })
		for _, k := range known {
			if (!ascii || len(key) == len(k)) && strings.EqualFold(string(key), k) {
				plain = false
			}
		}
		s.Skip()
	}
	s.Object(func(key []byte) {
		switch string(key) {
		case "success":
			a.Success = bytes.Clone(s.Raw())
		case "error":
			a.Error = bytes.Clone(s.Raw())
		case "message":
			a.Message = bytes.Clone(s.Raw())
		case "data":
			if s.Null() {
				return
			}
			a.Data = &groupData{}
			s.Object(func(key []byte) {
				switch string(key) {
				case "uuid":
					str(&a.Data.UUID)
				case "wa_group_name":
					str(&a.Data.Name)
				case "participants":
					if s.Kind() == '[' {
						a.Data.Participants = participantBuffer()
					}
					s.Array(func() {
						var p participant
						s.Object(func(key []byte) {
							switch string(key) {
							case "wa_participant_id":
								str(&p.ID)
							case "phone_number":
								str(&p.PhoneNumber)
							case "wa_is_admin":
								p.IsAdmin = s.Bool()
							case "wa_is_super_admin":
								p.IsSuperAdmin = s.Bool()
							default:
								other(key, "wa_participant_id", "phone_number", "wa_is_admin", "wa_is_super_admin")
							}
						})
						a.Data.Participants = append(a.Data.Participants, p)
					})
				default:
					other(key, "uuid", "wa_group_name", "participants")
				}
			})
		default:
			other(key, "success", "error", "message", "data")
		}
	})
	if s.End() != nil || !plain {
		*a = groupAnswer{}
		return false
	}
	return true
}

func toParticipant(p participant) roster.Participant {
	out := roster.Participant{RawID: p.ID, Role: roster.RoleOf(p.IsAdmin, p.IsSuperAdmin)}
	for _, id := range []string{p.PhoneNumber, p.ID} {
		if phone, err := roster.Normalize(id); err == nil {
			out.Phone = phone
			break
		}
	}
	return out
}

var opPaths = map[roster.Op]string{
	roster.OpAdd:     "add-participant",
	roster.OpRemove:  "remove-participant",
	roster.OpPromote: "promote-participant",
	roster.OpDemote:  "demote-participant",
}

type changeRequest struct {
	FromNumber   string   `json:"from_number"`
	Participants []string `json:"participants"`
}

// Change applies op to at most MaxBatch members in one call.
func (c *Client) Change(ctx context.Context, groupID string, op roster.Op, members []roster.Phone) ([]provider.Outcome, error) {
	path, ok := opPaths[op]
	if !ok {
		return nil, fmt.Errorf("2Chat: unknown operation %q", op)
	}
	if len(members) == 0 || len(members) > MaxBatch {
		return nil, fmt.Errorf("2Chat %s: %d participants, want 1 to %d: %w", op, len(members), MaxBatch, provider.ErrInvalidRequest)
	}
	req := changeRequest{FromNumber: c.from.E164()}
	for _, m := range members {
		req.Participants = append(req.Participants, m.E164())
	}
	what := fmt.Sprintf("%s %d participants in 2Chat group %s", strings.ToLower(string(op)), len(members), groupID)
	path = "/group/" + url.PathEscape(groupID) + "/" + path
	if op == roster.OpAdd {
		var out struct {
			envelope
			Participants lenient[map[string]addStatus] `json:"participants"`
		}
		if err := c.call(ctx, what, http.MethodPost, path, req, &out); err != nil {
			return nil, err
		}
		return addOutcomes(members, out.Participants.v), nil
	}
	var out struct {
		envelope
		Participants lenient[numberLists] `json:"participants"`
	}
	if err := c.call(ctx, what, http.MethodPost, path, req, &out); err != nil {
		return nil, err
	}
	return listOutcomes(members, out.Participants.v), nil
}

// addStatus is one number's entry in the add answer: its WhatsApp status code.
type addStatus struct {
	StatusCode     int    `json:"statusCode"`
	Message        string `json:"message"`
	IsInviteV4Sent bool   `json:"isInviteV4Sent"`
}

// numberLists is the remove/promote/demote answer: accepted and unaccepted numbers.
type numberLists struct {
	Accepted   []string `json:"accepted_numbers"`
	Unaccepted []string `json:"unaccepted_numbers"`
}

// addOutcomes reads the add answer: a map from each number to its WhatsApp status code.
func addOutcomes(members []roster.Phone, byNumber map[string]addStatus) []provider.Outcome {
	seen := make(map[roster.Phone]int, len(byNumber))
	msgs := make(map[roster.Phone]string, len(byNumber))
	for k, v := range byNumber {
		if p, err := roster.Normalize(k); err == nil {
			seen[p] = v.StatusCode
			msgs[p] = v.Message
			if v.IsInviteV4Sent {
				msgs[p] = strings.TrimSpace(v.Message + " (2Chat sent an invite instead)")
			}
		}
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		code, ok := seen[m]
		out[i] = provider.Outcome{Member: m, Code: code, Message: msgs[m], Result: provider.ResultUnknown}
		if ok {
			out[i].Result = provider.AddResult(code)
		}
	}
	return out
}

// listOutcomes reads the remove/promote/demote answer: accepted and unaccepted number lists.
func listOutcomes(members []roster.Phone, lists numberLists) []provider.Outcome {
	result := map[roster.Phone]provider.Result{}
	for _, n := range lists.Accepted {
		if p, err := roster.Normalize(n); err == nil {
			result[p] = provider.ResultApplied
		}
	}
	for _, n := range lists.Unaccepted {
		if p, err := roster.Normalize(n); err == nil {
			result[p] = provider.ResultRejected
		}
	}
	out := make([]provider.Outcome, len(members))
	for i, m := range members {
		r, ok := result[m]
		if !ok {
			r = provider.ResultUnknown
		}
		out[i] = provider.Outcome{Member: m, Result: r}
		if r == provider.ResultRejected {
			out[i].Message = "2Chat did not accept this number: not in the group, the group's creator, or not on WhatsApp"
		}
	}
	return out
}
