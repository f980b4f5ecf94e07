//! A serde serializer for compact JSON into a byte vector, writing exactly the bytes
//! `serde_json::to_writer` writes (tests compare the two on every record type) in less time.
//! The JSON lines of a busy day are as large as the capture (2 GB for 2.3 GB), and serde_json
//! spent most of its time looking at every byte of every field name and value one at a time
//! to escape it; here a string is checked eight bytes at a time and copied at once when
//! nothing in it needs escaping, which is every field name and nearly every value.

use serde::ser::{self, Serialize};

/// Why a value could not be written (a map key that is not a string, or a type's own error).
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Error {
        Error(msg.to_string())
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::other(e)
    }
}

/// Appends `value` as compact JSON to `out`.
pub fn append<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Writer { out })
}

/// A byte that JSON strings must escape: `"`, `\` and the controls below 0x20 (not 0x7F, not
/// `/`, as serde_json).
#[inline]
fn special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Whether any of eight bytes is [`special`], as one integer sum (the classic "has a byte
/// less than n" and "has a zero byte" tests: exact as to whether there is one).
#[inline]
fn word_has_special(x: u64) -> bool {
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = x ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    (below_space | quote | backslash) & (ONES * 0x80) != 0
}

/// Whether a string needs escaping, read eight bytes at a time (field names and values are
/// mostly shorter than sixteen: those are read inline as two words, overlapping).
#[inline(always)]
fn has_special(bytes: &[u8]) -> bool {
    let n = bytes.len();
    let word4 = |at: usize| {
        u64::from(u32::from_le_bytes(
            bytes[at..at + 4].try_into().unwrap_or([0; 4]),
        ))
    };
    let word8 = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]));
    if n < 4 {
        bytes.iter().any(|&b| special(b))
    } else if n < 8 {
        // the first four bytes and the last four (overlapping) as one word
        word_has_special(word4(0) | word4(n - 4) << 32)
    } else if n <= 16 {
        word_has_special(word8(0)) || word_has_special(word8(n - 8))
    } else {
        has_special_long(bytes)
    }
}

/// [`has_special`] of a string longer than sixteen bytes.
#[inline(never)]
fn has_special_long(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        if word_has_special(u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))) {
            return true;
        }
    }
    // the last eight bytes, overlapping what was read
    !words.remainder().is_empty()
        && word_has_special(u64::from_le_bytes(
            bytes[bytes.len() - 8..].try_into().unwrap_or([0; 8]),
        ))
}

/// Room made at the end of the output for one short piece: a piece of up to [`SMALL`] bytes
/// plus its quotes, comma and colon is written into it with fixed-size copies and the rest cut
/// off again. `extend_from_slice` calls memcpy for every piece (three or four a field name),
/// which cost more than the bytes of the piece: most are shorter than sixteen.
const WINDOW: usize = 40;
/// The longest piece written through the window.
const SMALL: usize = 32;

/// Copies `src` (at most [`SMALL`] bytes) to the start of `dst` (at least [`SMALL`] bytes) with
/// two overlapping copies of a fixed size, which compile to a few moves.
#[inline(always)]
fn copy_small(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..n].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Appends `before`, `bytes` (at most [`SMALL`]) and `after` (each at most two bytes) through
/// the window.
#[inline(always)]
fn put_small(out: &mut Vec<u8>, before: &[u8], bytes: &[u8], after: &[u8]) {
    let at = out.len();
    out.resize(at + WINDOW, 0);
    let window = &mut out[at..at + WINDOW];
    let mut i = before.len();
    window[..i].copy_from_slice(before);
    copy_small(&mut window[i..i + SMALL], bytes);
    i += bytes.len();
    window[i..i + after.len()].copy_from_slice(after);
    out.truncate(at + i + after.len());
}

/// Appends bytes: through the window when short.
#[inline(always)]
fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= SMALL {
        put_small(out, b"", bytes, b"");
    } else {
        out.extend_from_slice(bytes);
    }
}

/// Writes `s` as a JSON string.
#[inline]
fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if has_special(bytes) {
        return put_quoted_escaped(out, bytes);
    }
    if bytes.len() <= SMALL {
        return put_small(out, b"\"", bytes, b"\"");
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    out.extend_from_slice(bytes);
    out.push(b'"');
}

/// `"key":` after a comma when one is due: a field name never needs escaping in the records
/// written here, but one that does is escaped as serde_json would.
#[inline(always)]
fn put_key(out: &mut Vec<u8>, comma: bool, key: &str) {
    let bytes = key.as_bytes();
    if has_special(bytes) || bytes.len() > SMALL {
        return put_key_slowly(out, comma, key);
    }
    put_small(out, if comma { b",\"" } else { b"\"" }, bytes, b"\":");
}

/// [`put_key`] of a long name or one that needs escaping.
#[cold]
#[inline(never)]
fn put_key_slowly(out: &mut Vec<u8>, comma: bool, key: &str) {
    if comma {
        out.push(b',');
    }
    put_str(out, key);
    out.push(b':');
}

/// The rare string that needs escaping, out of line so that the common path stays small.
#[cold]
#[inline(never)]
fn put_quoted_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    put_escaped(out, bytes);
    out.push(b'"');
}

/// Writes bytes of a string, escaping what must be (serde_json's escapes: the short forms
/// for backspace, tab, line feed, form feed and carriage return, `\u00xx` with lowercase hex
/// for the other controls).
fn put_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !special(b) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0A => b'n',
            0x0C => b'f',
            0x0D => b'r',
            _ => 0,
        };
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

fn put_int<I: itoa::Integer>(out: &mut Vec<u8>, v: I) {
    put_bytes(out, itoa::Buffer::new().format(v).as_bytes());
}

fn put_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        put_bytes(out, zmij::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

fn put_f32(out: &mut Vec<u8>, v: f32) {
    if v.is_finite() {
        put_bytes(out, zmij::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// The ten integer methods of a serializer: each runs the body with the serializer as `$w`
/// and the value as `$v`.
macro_rules! integers {
    (|$w:ident, $v:ident| $body:expr) => {
        integers!(@each $w $v $body; serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    (@each $w:ident $v:ident $body:expr; $($name:ident $t:ty),*) => {
        $(
            fn $name(self, $v: $t) -> Result<(), Error> {
                let $w = self;
                $body
            }
        )*
    };
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

/// An array or object being written: whether an element came before.
pub struct Compound<'a, 'o> {
    w: &'a mut Writer<'o>,
    first: bool,
    /// What closes it: `]`, `}`, or `]}` / `}}` for a variant's array or object.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.w.out.push(b',');
        }
    }

    #[inline(always)]
    fn key(&mut self, key: &str) {
        let comma = !std::mem::replace(&mut self.first, false);
        put_key(self.w.out, comma, key);
    }
}

impl<'a, 'o> ser::Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        put_bytes(self.out, if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(|w, v| {
        put_int(w.out, v);
        Ok(())
    });
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        put_f32(self.out, v);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        put_f64(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        put_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        put_str(self.out, v);
        Ok(())
    }
    /// Written through the output, escaped piece by piece, as serde_json does: serde's own
    /// version formats the value into a new string first (a CSeq per message of every call).
    fn collect_str<T: std::fmt::Display + ?Sized>(self, v: &T) -> Result<(), Error> {
        struct Escaping<'o>(&'o mut Vec<u8>);
        impl std::fmt::Write for Escaping<'_> {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                if has_special(s.as_bytes()) {
                    put_escaped(self.0, s.as_bytes());
                } else {
                    self.0.extend_from_slice(s.as_bytes());
                }
                Ok(())
            }
        }
        self.out.push(b'"');
        std::fmt::Write::write_fmt(&mut Escaping(self.out), format_args!("{v}"))
            .map_err(|_| Error("a value's Display failed".to_string()))?;
        self.out.push(b'"');
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            put_int(self.out, *b);
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        put_bytes(self.out, b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        put_bytes(self.out, b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        put_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        put_str(self.out, variant);
        self.out.push(b':');
        v.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'[');
        Ok(Compound {
            w: self,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'{');
        put_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound {
            w: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'{');
        Ok(Compound {
            w: self,
            first: true,
            close: b"}",
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        self.out.push(b'{');
        put_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound {
            w: self,
            first: true,
            close: b"}}",
        })
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.comma();
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(KeyWriter {
            out: &mut *self.w.out,
        })?;
        self.w.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.key(key);
        v.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> Result<(), Error> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// A map key: a string, or what serde_json writes as one (numbers and booleans quoted, a
/// unit variant's name); anything else is refused, as serde_json refuses it.
struct KeyWriter<'o> {
    out: &'o mut Vec<u8>,
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".to_string())
}

impl KeyWriter<'_> {
    fn quoted(self, text: &[u8]) -> Result<(), Error> {
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.push(b'"');
        Ok(())
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.quoted(if v { b"true" } else { b"false" })
    }
    integers!(|w, v| w.quoted(itoa::Buffer::new().format(v).as_bytes()));
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(Error(
                "float key must be finite (got NaN or +/-inf)".to_string(),
            ));
        }
        self.quoted(zmij::Buffer::new().format_finite(v).as_bytes())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(Error(
                "float key must be finite (got NaN or +/-inf)".to_string(),
            ));
        }
        self.quoted(zmij::Buffer::new().format_finite(v).as_bytes())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        put_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        put_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        put_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::append;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn same<T: Serialize>(v: &T) {
        let mut ours = Vec::new();
        append(&mut ours, v).expect("ours");
        let theirs = serde_json::to_vec(v).expect("serde_json");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Tuple(i32, f64),
        Struct { a: Option<String>, b: Vec<u16> },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Every<'a> {
        t: bool,
        i: i64,
        u: u128,
        neg: i128,
        f: f64,
        small: f32,
        nan: f64,
        inf: f32,
        c: char,
        s: &'a str,
        #[serde(with = "serde_bytes_as_seq")]
        bytes: &'a [u8],
        none: Option<u8>,
        unit: (),
        unit_struct: Unit,
        shapes: Vec<Shape>,
        tuple: (u8, &'a str),
        int_keys: BTreeMap<i32, bool>,
        bool_keys: BTreeMap<bool, u8>,
        char_keys: BTreeMap<char, u8>,
        empty: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        addr: std::net::SocketAddr,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    }

    mod serde_bytes_as_seq {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn every_kind_of_value_is_written_as_serde_json_writes_it() {
        let v = Every {
            t: true,
            i: i64::MIN,
            u: u128::MAX,
            neg: i128::MIN,
            f: 0.1 + 0.2,
            small: 1.5e-7,
            nan: f64::NAN,
            inf: f32::NEG_INFINITY,
            c: '"',
            s: "tab\there \"quoted\" back\\slash \u{1} \u{1f} \u{7f} / é ✓ 😀 line\r\nend",
            bytes: &[0, 1, 255],
            none: None,
            unit: (),
            unit_struct: Unit,
            shapes: vec![
                Shape::Unit,
                Shape::New(7),
                Shape::Tuple(-1, 2.5),
                Shape::Struct {
                    a: Some("x".into()),
                    b: vec![1, 2],
                },
            ],
            tuple: (1, "two"),
            int_keys: [(-3, true), (40, false)].into_iter().collect(),
            bool_keys: [(true, 1), (false, 0)].into_iter().collect(),
            char_keys: [('\n', 1), ('a', 2)].into_iter().collect(),
            empty: vec![],
            empty_map: BTreeMap::new(),
            addr: "[2001:db8::1]:5060".parse().unwrap(),
            skipped: None,
        };
        same(&v);
        same(&[1.0f64, -0.0, 1e300, 5e-324, 123456789.125, f64::MAX]);
        struct Shown(&'static str, u32);
        impl std::fmt::Display for Shown {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", self.1, self.0)
            }
        }
        impl Serialize for Shown {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        same(&[
            Shown("INVITE", 1),
            Shown("quote\" and\ttab", 2),
            Shown("", 0),
        ]);
        same(&[1.0f32, f32::MIN_POSITIVE, 3.4e38]);
    }

    #[test]
    fn a_key_that_is_not_a_string_is_refused_as_serde_json_refuses_it() {
        let v: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert!(serde_json::to_vec(&v).is_err());
        assert!(append(&mut Vec::new(), &v).is_err());
    }

    #[test]
    fn every_byte_at_every_place_of_a_word_is_escaped_as_serde_json_escapes_it() {
        for len in 1..=17 {
            for at in 0..len {
                for b in 0u8..0x80 {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    same(&String::from_utf8(v).unwrap());
                }
            }
        }
        same(&"é".repeat(9));
    }

    /// A struct whose field names are given at run time (derived ones never need escaping).
    struct Fields(Vec<&'static str>);

    impl serde::Serialize for Fields {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut st = s.serialize_struct("Fields", self.0.len())?;
            for (i, name) in self.0.iter().enumerate() {
                st.serialize_field(name, &i)?;
            }
            st.end()
        }
    }

    #[test]
    fn field_names_are_escaped_as_serde_json_escapes_them() {
        for names in [
            vec![],
            vec!["a"],
            vec!["quote\"d", "plain", "new\nline", "", "back\\slash"],
            vec!["plain", "\u{1}"],
        ] {
            same(&Fields(names));
        }
    }

    #[test]
    fn short_pieces_are_copied_whole_and_nothing_past_them() {
        use super::{copy_small, SMALL, WINDOW};
        for n in 0..=SMALL {
            let src: Vec<u8> = (1..=n as u8).collect();
            let mut dst = [0xAAu8; WINDOW];
            copy_small(&mut dst, &src);
            assert_eq!(&dst[..n], &src[..]);
            assert!(dst[n..].iter().all(|&b| b == 0xAA), "{n}");
        }
    }

    #[test]
    fn names_and_values_of_every_length_are_written_as_serde_json_writes_them() {
        let text: String = ('a'..='z').chain('A'..='Z').collect();
        let names: Vec<&'static str> = (0..=50)
            .map(|n| &*Box::leak(text[..n].to_string().into_boxed_str()))
            .collect();
        same(&Fields(names.clone()));
        for n in names {
            same(&n);
            same(&[n, n]);
        }
        same(&[u128::MAX, 0, 7]);
        same(&[i128::MIN, -1]);
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(s in ".*", raw in proptest::collection::vec(0u8..0x80, 0..80)) {
            same(&s);
            same(&String::from_utf8(raw).unwrap());
        }
    }
}
