//! Trimming text as `str::trim` does, without decoding characters at ASCII ends: header and
//! SDP values are nearly always ASCII, and the character-by-character trim of the standard
//! library cost 3% of a busy capture's time across the parsers.

/// Whether an ASCII byte is whitespace as `char::is_whitespace` says (tab, line feed,
/// vertical tab, form feed, carriage return, space: one more than `u8::is_ascii_whitespace`).
#[inline]
pub fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Whether `s` starts with `prefix`, ASCII letters compared without case (without the lowercase
/// copy `to_ascii_lowercase().starts_with(..)` makes).
#[inline]
pub fn starts_with_ignore_ascii_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `s.trim_end()`.
#[inline]
pub fn trim_end(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    while let Some(&b) = end.checked_sub(1).and_then(|i| bytes.get(i)) {
        if b >= 0x80 {
            // a character past ASCII: only ASCII was removed, so `end` is a boundary
            return s.get(..end).map_or(s, str::trim_end);
        }
        if !is_space(b) {
            break;
        }
        end -= 1;
    }
    s.get(..end).unwrap_or(s)
}

/// `s.trim_start()`.
#[inline]
pub fn trim_start(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(&b) = bytes.get(start) {
        if b >= 0x80 {
            return s.get(start..).map_or(s, str::trim_start);
        }
        if !is_space(b) {
            break;
        }
        start += 1;
    }
    s.get(start..).unwrap_or(s)
}

/// `s.trim()`.
#[inline]
pub fn trim(s: &str) -> &str {
    trim_start(trim_end(s))
}

/// The three trims as methods, for call sites written as `value.trim()`.
pub trait FastTrim {
    /// `str::trim`.
    fn fast_trim(&self) -> &str;
    /// `str::trim_end`.
    fn fast_trim_end(&self) -> &str;
    /// `str::trim_start`.
    fn fast_trim_start(&self) -> &str;
}

impl FastTrim for str {
    #[inline]
    fn fast_trim(&self) -> &str {
        trim(self)
    }
    #[inline]
    fn fast_trim_end(&self) -> &str {
        trim_end(self)
    }
    #[inline]
    fn fast_trim_start(&self) -> &str {
        trim_start(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascii_spaces_are_the_characters_spaces() {
        for b in 0..=0x7Fu8 {
            assert_eq!(is_space(b), char::from(b).is_whitespace(), "{b:#x}");
        }
    }

    #[test]
    fn trims_as_the_standard_library_trims() {
        let pieces = [
            "", " ", "\t", "\r\n", "\u{0B}", "\u{0C}", "a", "é", "\u{A0}", "\u{85}", "\u{3000}",
            "x y", "\u{1C}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                    assert_eq!(trim_end(&s), s.trim_end(), "{s:?}");
                    assert_eq!(trim_start(&s), s.trim_start(), "{s:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn a_prefix_is_found_as_with_a_lowercase_copy(s in "[a-zA-Z/é-]{0,12}", p in "[a-zA-Z/-]{0,6}") {
            prop_assert_eq!(
                starts_with_ignore_ascii_case(&s, &p),
                s.to_ascii_lowercase().starts_with(&p.to_ascii_lowercase())
            );
        }

        #[test]
        fn any_text_is_trimmed_as_the_standard_library_trims(s in "\\PC*|[ \\t\\r\\n\\u{0B}\\u{0C}\\u{A0}a]*") {
            prop_assert_eq!(trim(&s), s.trim());
            prop_assert_eq!(trim_end(&s), s.trim_end());
            prop_assert_eq!(trim_start(&s), s.trim_start());
        }
    }
}
