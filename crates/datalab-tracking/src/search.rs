//! MLflow's search syntax for runs, parsed into a typed search:
//!
//! ```text
//! metrics.rmse < 0.8 and params.model = 'xgb' and tags.`my tag` LIKE '%y%'
//! attributes.status = 'FINISHED' and attributes.run_id IN ('ab12…', 'cd34…')
//! datasets.name = 'train' and attributes.start_time > 1700000000000
//! order by: metrics.acc DESC, attributes.start_time
//! ```
//!
//! Clauses are joined with AND (MLflow has no OR). Keys are bare words,
//! `backticked` or "double quoted"; values are numbers (metrics, times) or
//! quoted strings, lists in parentheses for IN. An error says at which
//! character the filter stopped making sense.

use crate::error::TrackingError;
use crate::protocol::statuses_of;
use datalab_project::{Comparison, Condition, Operand, RunField, RunOrder};

/// What kind of values a field holds, which decides its comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Status,
}

struct Cursor<'a> {
    text: &'a str,
    chars: Vec<char>,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text,
            chars: text.chars().collect(),
            at: 0,
        }
    }

    fn error(&self, what: &str) -> TrackingError {
        TrackingError::invalid(format!(
            "Error on parsing search expression '{}': at character {}: {what}",
            self.text,
            self.at + 1
        ))
    }

    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn done(&mut self) -> bool {
        self.skip_space();
        self.at >= self.chars.len()
    }

    /// A keyword (any case) followed by a non-word character.
    fn keyword(&mut self, word: &str) -> bool {
        self.skip_space();
        let end = self.at + word.chars().count();
        if end > self.chars.len() {
            return false;
        }
        let found: String = self.chars[self.at..end].iter().collect();
        let boundary = self
            .chars
            .get(end)
            .is_none_or(|c| !(c.is_alphanumeric() || *c == '_'));
        if found.eq_ignore_ascii_case(word) && boundary {
            self.at = end;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/' | ':' | '.'))
        {
            self.at += 1;
        }
        (self.at > start).then(|| self.chars[start..self.at].iter().collect())
    }

    fn quoted(&mut self) -> Result<Option<String>, TrackingError> {
        self.skip_space();
        let Some(quote) = self.peek().filter(|c| matches!(c, '\'' | '"' | '`')) else {
            return Ok(None);
        };
        self.at += 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error(&format!("a {quote} is not closed"))),
                Some(c) if c == quote => {
                    self.at += 1;
                    // A doubled quote stands for itself, as in SQL.
                    if self.peek() == Some(quote) {
                        value.push(quote);
                        self.at += 1;
                    } else {
                        return Ok(Some(value));
                    }
                }
                Some('\\') if self.chars.get(self.at + 1) == Some(&quote) => {
                    value.push(quote);
                    self.at += 2;
                }
                Some(c) => {
                    value.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Option<f64> {
        self.skip_space();
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        match text.parse::<f64>() {
            Ok(n) if !text.is_empty() => Some(n),
            _ => {
                self.at = start;
                None
            }
        }
    }
}

/// An attribute by the names MLflow accepts for it.
fn attribute(name: &str) -> Option<(RunField, Kind)> {
    Some(match name {
        "run_id" | "run_uuid" => (RunField::Uuid, Kind::Text),
        "run_name" | "run name" => (RunField::Name, Kind::Text),
        "status" => (RunField::Status, Kind::Status),
        "user_id" => (RunField::UserId, Kind::Text),
        "start_time" | "created" | "Created" => (RunField::StartMs, Kind::Number),
        "end_time" => (RunField::EndMs, Kind::Number),
        _ => return None,
    })
}

/// `entity.key`, or a bare attribute name.
fn field(cursor: &mut Cursor<'_>) -> Result<(RunField, Kind), TrackingError> {
    cursor.skip_space();
    let start = cursor.at;
    let Some(entity) = cursor.word() else {
        return Err(cursor.error("expected a field such as metrics.rmse, params.lr or tags.team"));
    };
    let (entity, bare_key) = match entity.split_once('.') {
        Some((entity, key)) => (entity.to_string(), Some(key.to_string())),
        None => (entity, None),
    };
    let key = match bare_key {
        Some(key) if !key.is_empty() => key,
        Some(_) => match cursor.quoted()? {
            Some(key) => key,
            None => return Err(cursor.error("expected a key after the '.'")),
        },
        None => {
            if let Some(found) = attribute(&entity) {
                return Ok(found);
            }
            cursor.at = start;
            return Err(cursor.error(&format!(
                "'{entity}' is not a field: use metrics.<key>, params.<key>, tags.<key>, \
                 attributes.<name> or datasets.<name|digest|context>"
            )));
        }
    };
    let found = match entity.to_ascii_lowercase().as_str() {
        "metric" | "metrics" => (RunField::Metric(key), Kind::Number),
        "param" | "params" | "parameter" | "parameters" => (RunField::Param(key), Kind::Text),
        "tag" | "tags" => (RunField::Tag(key), Kind::Text),
        "attribute" | "attributes" | "attr" | "run" => match attribute(&key) {
            Some(found) => found,
            None => {
                cursor.at = start;
                return Err(cursor.error(&format!(
                    "'{key}' is not a run attribute: one of run_id, run_name, status, user_id, \
                     start_time, end_time"
                )));
            }
        },
        "dataset" | "datasets" => match key.as_str() {
            "name" => (RunField::DatasetName, Kind::Text),
            "digest" => (RunField::DatasetDigest, Kind::Text),
            "context" => (RunField::DatasetContext, Kind::Text),
            _ => {
                cursor.at = start;
                return Err(cursor.error("datasets have name, digest and context"));
            }
        },
        other => {
            cursor.at = start;
            return Err(cursor.error(&format!(
                "'{other}' is not an entity: metrics, params, tags, attributes or datasets"
            )));
        }
    };
    Ok(found)
}

fn comparison(cursor: &mut Cursor<'_>) -> Result<Comparison, TrackingError> {
    cursor.skip_space();
    for (symbol, comparison) in [
        ("!=", Comparison::Ne),
        ("<>", Comparison::Ne),
        ("<=", Comparison::Le),
        (">=", Comparison::Ge),
        ("==", Comparison::Eq),
        ("=", Comparison::Eq),
        ("<", Comparison::Lt),
        (">", Comparison::Gt),
    ] {
        let end = cursor.at + symbol.len();
        if end <= cursor.chars.len()
            && cursor.chars[cursor.at..end].iter().collect::<String>() == symbol
        {
            cursor.at = end;
            return Ok(comparison);
        }
    }
    if cursor.keyword("LIKE") {
        return Ok(Comparison::Like);
    }
    if cursor.keyword("ILIKE") {
        return Ok(Comparison::ILike);
    }
    if cursor.keyword("IN") {
        return Ok(Comparison::In);
    }
    if cursor.keyword("NOT") {
        if cursor.keyword("IN") {
            return Ok(Comparison::NotIn);
        }
        return Err(cursor.error("expected IN after NOT"));
    }
    if cursor.keyword("IS") {
        let not = cursor.keyword("NOT");
        if cursor.keyword("NULL") {
            return Ok(if not {
                Comparison::IsNotNull
            } else {
                Comparison::IsNull
            });
        }
        return Err(cursor.error("expected NULL after IS"));
    }
    Err(cursor
        .error("expected a comparison: =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL"))
}

fn list(cursor: &mut Cursor<'_>) -> Result<Vec<String>, TrackingError> {
    cursor.skip_space();
    if cursor.peek() != Some('(') {
        return Err(cursor.error("IN needs a list in parentheses: ('a', 'b')"));
    }
    cursor.at += 1;
    let mut items = Vec::new();
    loop {
        match cursor.quoted()? {
            Some(item) => items.push(item),
            None => return Err(cursor.error("expected a quoted value in the list")),
        }
        cursor.skip_space();
        match cursor.peek() {
            Some(',') => cursor.at += 1,
            Some(')') => {
                cursor.at += 1;
                return Ok(items);
            }
            _ => return Err(cursor.error("expected ',' or ')' in the list")),
        }
    }
}

/// A Data Lab status text matches an MLflow LIKE pattern over the protocol's names.
fn like_matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('_', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let (p, t) = if ignore_case {
        (pattern.to_lowercase(), text.to_lowercase())
    } else {
        (pattern.to_string(), text.to_string())
    };
    go(
        &p.chars().collect::<Vec<_>>(),
        &t.chars().collect::<Vec<_>>(),
    )
}

const STATUS_NAMES: [&str; 5] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];

/// A condition on the status, over Data Lab's status texts.
fn status_condition(
    cursor: &Cursor<'_>,
    comparison: Comparison,
    operand: Operand,
) -> Result<Condition, TrackingError> {
    let names: Vec<&str> = match (&comparison, &operand) {
        (Comparison::Eq | Comparison::Ne, Operand::Text(name)) => vec![name.as_str()],
        (Comparison::In | Comparison::NotIn, Operand::List(names)) => {
            names.iter().map(String::as_str).collect()
        }
        (Comparison::Like | Comparison::ILike, Operand::Text(pattern)) => STATUS_NAMES
            .iter()
            .copied()
            .filter(|name| like_matches(pattern, name, comparison == Comparison::ILike))
            .collect(),
        _ => {
            return Err(cursor.error(
                "the status compares with =, !=, LIKE, ILIKE, IN or NOT IN and a quoted name",
            ));
        }
    };
    let mut statuses = Vec::new();
    for name in names {
        // MLflow compares statuses as written; a name it does not know matches nothing.
        if let Some(found) = statuses_of(name) {
            statuses.extend(found.iter().map(|s| s.as_str().to_string()));
        }
    }
    let negated = matches!(comparison, Comparison::Ne | Comparison::NotIn);
    Ok(Condition {
        field: RunField::Status,
        comparison: if negated {
            Comparison::NotIn
        } else {
            Comparison::In
        },
        operand: Operand::List(statuses),
    })
}

fn condition(cursor: &mut Cursor<'_>) -> Result<Condition, TrackingError> {
    let (field, kind) = field(cursor)?;
    let comparison = comparison(cursor)?;
    let operand = match comparison {
        Comparison::IsNull | Comparison::IsNotNull => Operand::Nothing,
        Comparison::In | Comparison::NotIn => Operand::List(list(cursor)?),
        _ => match cursor.quoted()? {
            Some(text) => Operand::Text(text),
            None => match cursor.number() {
                Some(number) => Operand::Number(number),
                None => return Err(cursor.error("expected a number or a quoted value")),
            },
        },
    };
    let fits = match (kind, comparison, &operand) {
        (Kind::Status, ..) => return status_condition(cursor, comparison, operand),
        (_, Comparison::IsNull | Comparison::IsNotNull, _) => {
            matches!(
                field,
                RunField::Tag(_) | RunField::Param(_) | RunField::Metric(_)
            )
        }
        (
            Kind::Number,
            Comparison::Like | Comparison::ILike | Comparison::In | Comparison::NotIn,
            _,
        ) => false,
        (Kind::Number, _, Operand::Number(_)) => true,
        (Kind::Number, _, _) => false,
        (Kind::Text, Comparison::In | Comparison::NotIn, Operand::List(_)) => true,
        (
            Kind::Text,
            Comparison::Like | Comparison::ILike | Comparison::Eq | Comparison::Ne,
            Operand::Text(_),
        ) => true,
        (Kind::Text, _, _) => false,
    };
    if !fits {
        let what = match kind {
            Kind::Number => {
                "this field holds numbers: compare it with =, !=, <, <=, >, >= and a number"
            }
            _ => {
                "this field holds text: compare it with =, !=, LIKE, ILIKE and a quoted value, or IN ('a', 'b')"
            }
        };
        return Err(cursor.error(what));
    }
    Ok(Condition {
        field,
        comparison,
        operand,
    })
}

/// The conditions of a filter string (empty: every run).
pub fn parse_filter(filter: &str) -> Result<Vec<Condition>, TrackingError> {
    let mut cursor = Cursor::new(filter);
    let mut conditions = Vec::new();
    if cursor.done() {
        return Ok(conditions);
    }
    loop {
        conditions.push(condition(&mut cursor)?);
        if cursor.done() {
            return Ok(conditions);
        }
        if !cursor.keyword("AND") {
            if cursor.keyword("OR") {
                return Err(
                    cursor.error("OR is not supported: MLflow's search joins clauses with AND")
                );
            }
            return Err(cursor.error("expected AND between clauses"));
        }
    }
}

/// One `order_by` entry: a field, then ASC or DESC.
pub fn parse_order(text: &str) -> Result<RunOrder, TrackingError> {
    let mut cursor = Cursor::new(text);
    let (field, _) = field(&mut cursor)?;
    let descending = if cursor.keyword("DESC") {
        true
    } else {
        cursor.keyword("ASC");
        false
    };
    if !cursor.done() {
        return Err(cursor.error("expected ASC or DESC at the end of the order"));
    }
    Ok(RunOrder { field, descending })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(filter: &str) -> Condition {
        match parse_filter(filter) {
            Ok(mut conditions) if conditions.len() == 1 => conditions.remove(0),
            other => panic!("{filter}: {other:?}"),
        }
    }

    #[test]
    fn the_documented_forms_parse() {
        let conditions =
            parse_filter("metrics.rmse < 0.8 and params.model = 'xgb'").unwrap_or_default();
        assert_eq!(
            conditions,
            vec![
                Condition {
                    field: RunField::Metric("rmse".into()),
                    comparison: Comparison::Lt,
                    operand: Operand::Number(0.8)
                },
                Condition {
                    field: RunField::Param("model".into()),
                    comparison: Comparison::Eq,
                    operand: Operand::Text("xgb".into())
                },
            ]
        );
        assert_eq!(
            one("tags.`my tag` LIKE '%y%'"),
            Condition {
                field: RunField::Tag("my tag".into()),
                comparison: Comparison::Like,
                operand: Operand::Text("%y%".into())
            }
        );
        assert_eq!(
            one("params.\"a b\" != \"it's\"").operand,
            Operand::Text("it's".into())
        );
        assert_eq!(one("metrics.loss>=-1e-3").operand, Operand::Number(-1e-3));
        assert_eq!(
            one("attributes.run_id IN ('a', 'b')").operand,
            Operand::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(one("tags.x IS NOT NULL").comparison, Comparison::IsNotNull);
        assert_eq!(one("attribute.start_time > 5").field, RunField::StartMs);
        assert_eq!(
            one("datasets.context = 'train'").field,
            RunField::DatasetContext
        );
    }

    #[test]
    fn statuses_become_data_lab_statuses() {
        assert_eq!(
            one("attributes.status = 'KILLED'").operand,
            Operand::List(vec![
                "cancelled".into(),
                "interrupted".into(),
                "pruned".into()
            ])
        );
        let not_finished = one("attributes.status != 'FINISHED'");
        assert_eq!(not_finished.comparison, Comparison::NotIn);
        assert_eq!(
            one("status LIKE 'F%'").operand,
            Operand::List(vec!["succeeded".into(), "failed".into()])
        );
    }

    #[test]
    fn bad_filters_say_where() {
        for (filter, at) in [
            ("metrics.rmse < 'x'", "character 19"),
            ("metrics.rmse <", "character 15"),
            ("params.a = 'x' or params.b = 'y'", "OR is not supported"),
            ("foo.bar = 1", "not an entity"),
            ("params.a = 'open", "not closed"),
            ("metrics.a LIKE '%'", "holds numbers"),
            ("attributes.colour = 'x'", "not a run attribute"),
        ] {
            match parse_filter(filter) {
                Err(e) => assert!(e.message.contains(at), "{filter}: {}", e.message),
                Ok(c) => panic!("{filter} parsed: {c:?}"),
            }
        }
    }

    #[test]
    fn orders_parse() {
        let order = parse_order("metrics.acc DESC").ok();
        assert_eq!(
            order,
            Some(RunOrder {
                field: RunField::Metric("acc".into()),
                descending: true
            })
        );
        assert_eq!(
            parse_order("start_time").ok().map(|o| o.field),
            Some(RunField::StartMs)
        );
        assert!(parse_order("metrics.acc sideways").is_err());
    }
}
