//! Finding a byte that is usually near: the line end of a header, the colon after its name,
//! the `;` of a parameter. memchr is built for long searches; each call goes through a
//! function pointer and sets up 32-byte vectors before it reads anything, about 50
//! instructions where the byte is 20 to 60 bytes on (3 million calls for 10,000 calls of a
//! busy capture). Here the first bytes are read 16 at a time inline, and a search that goes
//! on past them is handed to memchr.

/// Bytes read inline before the search is handed to memchr.
const NEAR: usize = 64;

/// The position of the first `needle` in `haystack` (bytes or text), as `memchr::memchr`.
/// In text, an ASCII `needle` is always at a char boundary.
#[inline]
pub fn find_byte(haystack: impl AsRef<[u8]>, needle: u8) -> Option<usize> {
    let haystack = haystack.as_ref();
    let near = haystack.len().min(NEAR);
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline; each load reads the 16 bytes at `at`,
        // and `at + 16 <= near <= haystack.len()`, so inside the slice.
        unsafe {
            let pattern = _mm_set1_epi8(needle as i8);
            while at + 16 <= near {
                let bytes = _mm_loadu_si128(haystack.as_ptr().add(at).cast::<__m128i>());
                let found = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, pattern));
                if found != 0 {
                    return Some(at + found.trailing_zeros() as usize);
                }
                at += 16;
            }
        }
    }
    if haystack.len() <= NEAR {
        // fewer than 16 bytes left (on x86_64): a loop that compiles inline
        return haystack[at..]
            .iter()
            .position(|&b| b == needle)
            .map(|i| at + i);
    }
    memchr::memchr(needle, &haystack[at..]).map(|i| at + i)
}

/// `s.split_once(b)` for an ASCII byte `b` (always a char boundary).
#[inline]
pub fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    debug_assert!(b.is_ascii());
    let i = find_byte(s, b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s.split(b).next()` for an ASCII byte `b`: the text before the first `b`, or all of it.
#[inline]
pub fn before_byte(s: &str, b: u8) -> &str {
    debug_assert!(b.is_ascii());
    find_byte(s, b).and_then(|i| s.get(..i)).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Every length around the 16-byte steps and the hand-over, the byte anywhere or
        /// nowhere: the answer is memchr's.
        #[test]
        fn finds_what_memchr_finds(
            fill in any::<u8>(),
            needle in any::<u8>(),
            len in 0usize..200,
            places in proptest::collection::vec(0usize..200, 0..3),
        ) {
            let mut hay = vec![fill; len];
            for p in places {
                if p < len {
                    hay[p] = needle;
                }
            }
            prop_assert_eq!(find_byte(&hay, needle), memchr::memchr(needle, &hay));
        }

        #[test]
        fn finds_what_memchr_finds_in_any_bytes(
            hay in proptest::collection::vec(any::<u8>(), 0..300),
            needle in any::<u8>(),
            from in 0usize..300,
        ) {
            let hay = &hay[from.min(hay.len())..];
            prop_assert_eq!(find_byte(hay, needle), memchr::memchr(needle, hay));
        }
    }

    #[test]
    fn every_position_of_every_length() {
        for len in 0..=(NEAR + 40) {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                hay[at] = b'\n';
                assert_eq!(find_byte(&hay, b'\n'), Some(at), "len {len} at {at}");
                hay[len - 1] = b'\n';
                assert_eq!(find_byte(&hay, b'\n'), Some(at), "len {len} at {at}");
            }
            assert_eq!(find_byte(vec![b'a'; len], b'\n'), None, "len {len}");
        }
    }

    proptest! {
        /// The text splits as the standard library splits it, around non-ASCII text too.
        #[test]
        fn splits_as_str_does(s in "[a-z=;:/é ]{0,40}", b in prop_oneof![Just(b'='), Just(b';'), Just(b':'), Just(b'/')]) {
            prop_assert_eq!(split_once_byte(&s, b), s.split_once(char::from(b)));
            prop_assert_eq!(before_byte(&s, b), s.split(char::from(b)).next().unwrap());
        }
    }
}
