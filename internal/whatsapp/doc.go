// Package whatsapp holds the wire formats of Meta's WhatsApp Cloud API webhooks: the envelope
// Meta POSTs to /webhooks/whatsapp, every inbound message type, status callbacks, template
// reviews and account/quality updates, plus the X-Hub-Signature-256 helpers.
//
// It is pure Go with no storage so that the webhook handler, the worker, the simulator
// (cmd/metasim) and tests all read and write exactly the same bytes. Parsed values keep the
// raw JSON they came from (Change.Value, Message.Raw, Status.Raw), because Meta adds fields
// faster than we add struct fields and nothing a customer sent may be lost.
package whatsapp
