package whatsapp

import (
	"encoding/json"
	"strconv"
	"strings"
)

// TemplateStatusUpdate is Meta's review of a message template (APPROVED, REJECTED, PAUSED,
// …). The templates feature matches it by MessageTemplateID, which Meta sends as a number.
type TemplateStatusUpdate struct {
	Event                   string         `json:"event"`
	MessageTemplateID       TemplateID     `json:"message_template_id"`
	MessageTemplateName     string         `json:"message_template_name"`
	MessageTemplateLanguage string         `json:"message_template_language"`
	MessageTemplateCategory string         `json:"message_template_category,omitempty"`
	Reason                  string         `json:"reason,omitempty"`
	RejectionInfo           *RejectionInfo `json:"rejection_info,omitempty"`
	OtherInfo               *OtherInfo     `json:"other_info,omitempty"`
	DisableInfo             *DisableInfo   `json:"disable_info,omitempty"`
}

// RejectionInfo is Meta's explanation of a REJECTED template and what to change.
type RejectionInfo struct {
	Reason         string `json:"reason,omitempty"`
	Recommendation string `json:"recommendation,omitempty"`
}

// OtherInfo explains a template pause or disablement. For pauses Title is FIRST_PAUSE,
// SECOND_PAUSE, RATE_LIMITING_PAUSE or UNPAUSE.
type OtherInfo struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// DisableInfo says when a DISABLED template was (or will be) disabled. Its format is not
// pinned down by Meta's documentation, so it is kept as sent (a string or a number).
type DisableInfo struct {
	DisableDate Timestamp `json:"disable_date,omitempty"`
}

// TemplateQualityUpdate reports a change of a template's quality score (GREEN, YELLOW, RED,
// UNKNOWN), the value of a "message_template_quality_update" change.
type TemplateQualityUpdate struct {
	PreviousQualityScore    string     `json:"previous_quality_score,omitempty"`
	NewQualityScore         string     `json:"new_quality_score,omitempty"`
	MessageTemplateID       TemplateID `json:"message_template_id"`
	MessageTemplateName     string     `json:"message_template_name,omitempty"`
	MessageTemplateLanguage string     `json:"message_template_language,omitempty"`
}

// TemplateCategoryUpdate is the value of a "template_category_update" change. Meta sends it
// twice: first as an advance notice (CorrectCategory, CategoryUpdateTimestamp: when the new
// category takes effect), then once the change is made (PreviousCategory, NewCategory).
type TemplateCategoryUpdate struct {
	MessageTemplateID       TemplateID `json:"message_template_id"`
	MessageTemplateName     string     `json:"message_template_name,omitempty"`
	MessageTemplateLanguage string     `json:"message_template_language,omitempty"`
	CorrectCategory         string     `json:"correct_category,omitempty"`
	CategoryUpdateTimestamp Timestamp  `json:"category_update_timestamp,omitempty"`
	PreviousCategory        string     `json:"previous_category,omitempty"`
	NewCategory             string     `json:"new_category,omitempty"`
}

// Notice reports whether u is the advance notice rather than the completed change.
func (u *TemplateCategoryUpdate) Notice() bool {
	return u.NewCategory == "" && u.CorrectCategory != ""
}

// PhoneQualityUpdate reports a change of a number's quality rating or messaging limit,
// which decides how many customers a campaign may reach per day.
type PhoneQualityUpdate struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	Event              string `json:"event"`
	CurrentLimit       string `json:"current_limit,omitempty"`
	OldLimit           string `json:"old_limit,omitempty"`
}

// AccountUpdate reports WABA lifecycle events (verification, violations, bans, restrictions).
// Only the common fields are typed; the event-specific details stay in Change.Value.
type AccountUpdate struct {
	PhoneNumber   string         `json:"phone_number,omitempty"`
	Event         string         `json:"event"`
	ViolationInfo *ViolationInfo `json:"violation_info,omitempty"`
}

// ViolationInfo names the policy a WABA violated.
type ViolationInfo struct {
	ViolationType string `json:"violation_type"`
}

// BusinessCapabilityUpdate is the value of a "business_capability_update" change: Meta
// raised (or set) the account's limits. Since October 2025 the messaging limit belongs to
// the business portfolio (MaxDailyConversationsPerBusiness); older payloads carry it per
// phone number. Either may be a number of customers or a tier name.
type BusinessCapabilityUpdate struct {
	MaxDailyConversationPerPhone     *MessagingLimit `json:"max_daily_conversation_per_phone,omitempty"`
	MaxDailyConversationsPerBusiness *MessagingLimit `json:"max_daily_conversations_per_business,omitempty"`
	MaxPhoneNumbersPerBusiness       *int64          `json:"max_phone_numbers_per_business,omitempty"`
}

// Limit is the messaging limit the update sets, preferring the business portfolio's.
func (u *BusinessCapabilityUpdate) Limit() *MessagingLimit {
	if u.MaxDailyConversationsPerBusiness != nil {
		return u.MaxDailyConversationsPerBusiness
	}
	return u.MaxDailyConversationPerPhone
}

// MessagingLimit is how many customers may be reached outside a service window per rolling
// 24 hours, as Meta writes it: a number (1000), or a tier (TIER_250, TIER_1K, TIER_2K,
// TIER_10K, TIER_100K, TIER_UNLIMITED). Unlimited is set for an unlimited tier; Known is false
// for a value this parser does not understand (the raw value stays in Change.Value).
type MessagingLimit struct {
	N         int64
	Unlimited bool
	Known     bool
}

// UnmarshalJSON reads a number or a tier name.
func (l *MessagingLimit) UnmarshalJSON(b []byte) error {
	*l = MessagingLimit{}
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		l.N, l.Known = n, n > 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil // neither: kept raw, not understood
	}
	*l = ParseTier(s)
	return nil
}

// ParseTier reads a tier name (TIER_250 … TIER_UNLIMITED, as phone_number_quality_update's
// current_limit and business_capability_update carry them) or a plain number.
func ParseTier(s string) MessagingLimit {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case "TIER_UNLIMITED", "UNLIMITED":
		return MessagingLimit{Unlimited: true, Known: true}
	}
	s = strings.TrimPrefix(s, "TIER_")
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1000, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1000000, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return MessagingLimit{}
	}
	return MessagingLimit{N: n * mult, Known: true}
}
