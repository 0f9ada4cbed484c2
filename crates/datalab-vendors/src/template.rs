//! Templates over a row: `{{column}}` is replaced by the row's value, as
//! text in a prompt and as JSON in a request body. Double braces never occur
//! in valid JSON outside strings, so a body template stays readable JSON.
//! Two names are reserved: `{{row}}` (every feature) and `{{labels}}` (the
//! allowed labels).

use serde_json::Value;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            format!(
                "'{{{{' at character {} is never closed with '}}}}'",
                template.len() - rest.len() + start + 1
            )
        })?;
        let name = after[..end].trim();
        if name.is_empty() || name.contains('{') {
            return Err(format!("'{{{{{}}}}}' names no column", &after[..end]));
        }
        out.push(Piece::Field(name));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The names a template uses, in order, or what is wrong with it.
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Field(name) => Some(name.to_string()),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Checks that every name in `template` is a column or a reserved name.
pub fn check_names(template: &str, columns: &[String], what: &str) -> Result<(), String> {
    for name in placeholders(template)? {
        if name != "row" && name != "labels" && !columns.contains(&name) {
            return Err(format!(
                "the {what} uses {{{{{name}}}}}, which is not a feature of this experiment; its features are: {}",
                columns.join(", ")
            ));
        }
    }
    Ok(())
}

/// A value as a person reads it in a prompt.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "(missing)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Fills a prompt template: values as text.
pub fn render_text(
    template: &str,
    columns: &[String],
    values: &[Value],
    labels: &[String],
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in pieces(template)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field("row") => {
                for (i, (name, value)) in columns.iter().zip(values).enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    out.push_str(&text_of(value));
                }
            }
            Piece::Field("labels") => out.push_str(&labels.join(", ")),
            Piece::Field(name) => {
                let at = columns
                    .iter()
                    .position(|c| c == name)
                    .ok_or_else(|| format!("no column '{name}'"))?;
                out.push_str(&text_of(&values[at]));
            }
        }
    }
    Ok(out)
}

/// Fills a body template: values as JSON; the result must be JSON.
pub fn render_json(
    template: &str,
    columns: &[String],
    values: &[Value],
    labels: &[String],
) -> Result<Value, String> {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in pieces(template)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field("row") => {
                let row: serde_json::Map<String, Value> = columns
                    .iter()
                    .cloned()
                    .zip(values.iter().cloned())
                    .collect();
                out.push_str(&Value::Object(row).to_string());
            }
            Piece::Field("labels") => out.push_str(&Value::from(labels.to_vec()).to_string()),
            Piece::Field(name) => {
                let at = columns
                    .iter()
                    .position(|c| c == name)
                    .ok_or_else(|| format!("no column '{name}'"))?;
                out.push_str(&values[at].to_string());
            }
        }
    }
    serde_json::from_str(&out)
        .map_err(|e| format!("the body template does not give JSON once filled ({e}): {out}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cols() -> Vec<String> {
        vec!["text".into(), "length".into()]
    }

    #[test]
    fn prompt_takes_values_as_text_and_rows_as_lines() -> Result<(), String> {
        let values = [json!("win a prize"), json!(11)];
        let labels = ["ham".to_string(), "spam".to_string()];
        assert_eq!(
            render_text(
                "Message: {{text}}. One of {{labels}}?",
                &cols(),
                &values,
                &labels
            )?,
            "Message: win a prize. One of ham, spam?"
        );
        assert_eq!(
            render_text("{{row}}", &cols(), &values, &labels)?,
            "text: win a prize\nlength: 11"
        );
        Ok(())
    }

    #[test]
    fn body_takes_values_as_json() -> Result<(), String> {
        let values = [json!("say \"hi\""), Value::Null];
        let body = render_json(
            r#"{"inputs": {"t": {{text}}, "n": {{ length }}}}"#,
            &cols(),
            &values,
            &[],
        )?;
        assert_eq!(body, json!({"inputs": {"t": "say \"hi\"", "n": null}}));
        Ok(())
    }

    #[test]
    fn bad_templates_say_where() {
        assert!(placeholders("a {{b").is_err_and(|e| e.contains("never closed")));
        assert!(placeholders("a {{ }}").is_err_and(|e| e.contains("names no column")));
        assert!(
            check_names("{{texte}}", &cols(), "prompt template")
                .is_err_and(|e| e.contains("{{texte}}") && e.contains("text, length"))
        );
        assert!(render_json("{\"a\": {{text}}", &cols(), &[json!(1), json!(2)], &[]).is_err());
    }
}
