package whatsapp

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
