//! Counts of records grouped by content fields ([`crate::Store::count_by`]).

use std::collections::HashMap;

use serde_json::Value;

/// One group: the values of the grouping fields, in their order (`null`
/// for a field that is missing or null), and how many records hold them.
pub type Group = (Vec<Value>, i64);

/// Groups as a backend read them, with missing and null fields (which a
/// backend may tell apart) merged into one `null` key, and the groups
/// ordered by their keys' JSON text, so that every backend answers alike.
pub fn merge_groups(rows: impl IntoIterator<Item = Group>) -> Vec<Group> {
    let mut by_key: HashMap<String, Group> = HashMap::new();
    for (key, n) in rows {
        let text = Value::Array(key.clone()).to_string();
        by_key.entry(text).or_insert((key, 0)).1 += n;
    }
    let mut out: Vec<(String, Group)> = by_key.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, g)| g).collect()
}

/// A grouping value as read back from its JSON text (`None`: missing).
pub fn group_value(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_null_are_one_group() {
        let g = merge_groups([
            (vec![json!("a"), Value::Null], 2),
            (vec![json!("a"), group_value(None)], 3),
            (vec![json!("a"), group_value(Some("null"))], 1),
            (vec![json!("b"), group_value(Some("4"))], 1),
        ]);
        assert_eq!(
            g,
            vec![
                (vec![json!("a"), Value::Null], 6),
                (vec![json!("b"), json!(4)], 1)
            ]
        );
    }
}
