//! Where in a JSON text a parse error happened, as a JSON path.
//!
//! serde_json reports a line and column; a person fixing an OSCAL file wants
//! to know which control that is. This scanner walks the text up to the error
//! and keeps the stack of object keys and array indexes it is inside. It runs
//! only after a failure, so correct files pay nothing for it.

/// The byte offset of 1-based `line` and `column` in `text` (clamped).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0usize;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    (start + column.saturating_sub(1)).min(text.len())
}

enum Frame {
    Object { key: Option<String>, want_key: bool },
    Array { index: usize },
}

/// The JSON path (`$.catalog.groups[3].controls[0].id`) of the innermost
/// value open at byte `offset`.
pub(crate) fn path_at(text: &str, offset: usize) -> String {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if let Some(Frame::Object { key, want_key }) = stack.last_mut()
                    && *want_key
                {
                    *key = Some(text.get(start..i.min(bytes.len())).unwrap_or("").to_owned());
                    *want_key = false;
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, want_key }) => {
                    *key = None;
                    *want_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from("$");
    for f in &stack {
        match f {
            Frame::Object { key: Some(k), .. } => {
                path.push('.');
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let t = "{\"a\": [1, {\"b\": \"x,y\", \"c\": [true, ]}]}";
        let at = t.find("true").unwrap_or(0);
        assert_eq!(path_at(t, at), "$.a[1].c[0]");
        let at = t.find(", ]").unwrap_or(0) + 2;
        assert_eq!(path_at(t, at), "$.a[1].c[1]");
        assert_eq!(path_at(t, 0), "$");
        assert_eq!(offset_of("ab\ncd", 2, 2), 4);
    }
}
