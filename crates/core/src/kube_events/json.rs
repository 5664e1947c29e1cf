//! `kubectl get events -o json` (a `List`), `events.json` from `kubectl cluster-info dump`
//! (an `EventList`) and single Event objects: the byte range of every Event object in the text,
//! so each becomes one record located in the file.

/// Byte ranges of the Event objects in `text`: the elements of each top-level object's
/// `items` array, or the top-level object itself when it has no items. Strings (with escapes)
/// are skipped, so braces inside messages do not count.
pub fn items(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // Container stack: b'{' / b'['; `item` marks where the current item began.
    let mut stack: Vec<u8> = Vec::new();
    let (mut in_str, mut esc) = (false, false);
    let mut root_start = 0;
    let mut root_items = 0usize;
    let mut item_start = None;
    for (i, &c) in text.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => {
                if stack.is_empty() {
                    root_start = i;
                    root_items = 0;
                }
                if c == b'{' && stack == [b'{', b'['] {
                    item_start = Some(i);
                }
                if stack.len() < 512 {
                    stack.push(c);
                }
            }
            b'}' | b']' => {
                stack.pop();
                if c == b'}' && stack == [b'{', b'['] {
                    if let Some(s) = item_start.take() {
                        out.push((s, i + 1));
                        root_items += 1;
                    }
                }
                if stack.is_empty() && c == b'}' && root_items == 0 {
                    out.push((root_start, i + 1));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::items;

    #[test]
    fn list_items_and_single_objects() {
        let t = br#"{"items":[{"reason":"a}"},{"reason":"b","x":{"y":[1]}}],"kind":"List"}"#;
        let got: Vec<&[u8]> = items(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            got,
            vec![
                &br#"{"reason":"a}"}"#[..],
                br#"{"reason":"b","x":{"y":[1]}}"#
            ]
        );
        let t = br#"{"kind":"Event","reason":"x"}"#;
        assert_eq!(items(t), vec![(0, t.len())]);
    }
}
