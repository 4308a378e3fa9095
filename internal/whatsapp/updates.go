package whatsapp

// TemplateStatusUpdate is Meta's review of a message template (APPROVED, REJECTED, PAUSED,
// …). The templates feature matches it by MessageTemplateID, which Meta sends as a number.
type TemplateStatusUpdate struct {
	Event                   string     `json:"event"`
	MessageTemplateID       TemplateID `json:"message_template_id"`
	MessageTemplateName     string     `json:"message_template_name"`
	MessageTemplateLanguage string     `json:"message_template_language"`
	MessageTemplateCategory string     `json:"message_template_category,omitempty"`
	Reason                  string     `json:"reason,omitempty"`
	OtherInfo               *OtherInfo `json:"other_info,omitempty"`
}

// OtherInfo explains a template pause or disablement.
type OtherInfo struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
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
