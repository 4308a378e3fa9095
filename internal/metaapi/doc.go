// Package metaapi is Switchboard's client for Meta's WhatsApp Cloud API:
// sending every message type, marking messages read, and uploading,
// locating and downloading media. It knows no storage; callers keep ids,
// tokens and retry state.
//
// The same Client talks to Meta or to the simulator: only BaseURL differs
// (config.MetaAPIBaseURL, from META_API_BASE_URL). Every call takes the
// channel's access token, so one Client serves every tenant.
//
// Inputs are validated before anything is sent (*ValidationError). Meta's
// refusals come back as *APIError; failures of the connection as
// *TransportError. Classify turns any of them into the Action a sender
// should take, keeping apart the case where a send may or may not have
// reached Meta (OutcomeUnknown), which must never be resent blindly.
package metaapi
