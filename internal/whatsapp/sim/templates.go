package sim

import "time"

// TemplateQuality builds a message_template_quality_update: the template's
// quality score moved from previous to score (GREEN, YELLOW, RED, UNKNOWN).
func TemplateQuality(wabaID string, id int64, name, language, previous, score string, ts time.Time) Envelope {
	env := wrap(wabaID, change{Field: "message_template_quality_update", Value: map[string]any{
		"previous_quality_score":    previous,
		"new_quality_score":         score,
		"message_template_id":       id,
		"message_template_name":     name,
		"message_template_language": language,
	}})
	env.entries[0].Time = ts.Unix()
	return env
}

// TemplateCategoryNotice builds the advance notice of a
// template_category_update: the template becomes category at when.
func TemplateCategoryNotice(wabaID string, id int64, name, language, category string, when, ts time.Time) Envelope {
	env := wrap(wabaID, change{Field: "template_category_update", Value: map[string]any{
		"message_template_id":       id,
		"message_template_name":     name,
		"message_template_language": language,
		"correct_category":          category,
		"category_update_timestamp": when.Unix(),
	}})
	env.entries[0].Time = ts.Unix()
	return env
}

// TemplateCategoryChange builds the completed template_category_update.
func TemplateCategoryChange(wabaID string, id int64, name, language, previous, category string, ts time.Time) Envelope {
	env := wrap(wabaID, change{Field: "template_category_update", Value: map[string]any{
		"message_template_id":       id,
		"message_template_name":     name,
		"message_template_language": language,
		"previous_category":         previous,
		"new_category":              category,
	}})
	env.entries[0].Time = ts.Unix()
	return env
}
