//! Sorting what does not fit in memory: views that list records in an order other than the
//! one they are finished in (calls by number, findings most important first) put each
//! rendered piece here with its key, and read them back sorted at the end. Pieces are kept in
//! memory up to a budget, then written out as sorted runs to anonymous temporary files and
//! merged, so memory stays bounded by the budget whatever the capture's size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

/// Bytes of pieces held in memory before a sorted run is written out.
pub const MEMORY_BUDGET: usize = 16 << 20;

/// Rendered pieces with their sort keys. Keys compare as bytes (see [`Key`]); equal keys keep
/// the order they were put in.
#[derive(Default)]
pub struct Spill {
    pieces: Vec<(Vec<u8>, u64, Vec<u8>)>,
    held: usize,
    runs: Vec<std::fs::File>,
    put: u64,
    budget: usize,
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spill")
            .field("pieces", &self.put)
            .field("runs", &self.runs.len())
            .finish()
    }
}

/// A sort key built from parts that compare in order: numbers big-endian, text ended by 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key(pub Vec<u8>);

impl Key {
    pub fn new() -> Key {
        Key(Vec::with_capacity(24))
    }

    pub fn num(mut self, v: u64) -> Key {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn text(mut self, s: &str) -> Key {
        self.0.extend(s.bytes().filter(|&b| b != 0));
        self.0.push(0);
        self
    }
}

impl Spill {
    pub fn new() -> Spill {
        Spill {
            budget: MEMORY_BUDGET,
            ..Spill::default()
        }
    }

    /// With a smaller budget (tests).
    pub fn with_budget(budget: usize) -> Spill {
        Spill {
            budget,
            ..Spill::default()
        }
    }

    /// Pieces put so far.
    pub fn len(&self) -> u64 {
        self.put
    }

    pub fn is_empty(&self) -> bool {
        self.put == 0
    }

    pub fn put(&mut self, key: Key, piece: Vec<u8>) -> std::io::Result<()> {
        self.held += key.0.len() + piece.len() + 48;
        self.pieces.push((key.0, self.put, piece));
        self.put += 1;
        if self.held >= self.budget.max(1) {
            self.write_run()?;
        }
        Ok(())
    }

    fn write_run(&mut self) -> std::io::Result<()> {
        if self.pieces.is_empty() {
            return Ok(());
        }
        self.pieces
            .sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let file = tempfile::tempfile()?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        for (key, at, piece) in self.pieces.drain(..) {
            write_item(&mut w, &key, at, &piece)?;
        }
        let mut file = w.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        self.runs.push(file);
        self.held = 0;
        Ok(())
    }

    /// Calls `each` with every piece in key order.
    pub fn drain(
        mut self,
        mut each: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.runs.is_empty() {
            self.pieces
                .sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            for (_, _, piece) in &self.pieces {
                each(piece)?;
            }
            return Ok(());
        }
        self.write_run()?;
        let mut readers: Vec<BufReader<std::fs::File>> = self
            .runs
            .drain(..)
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .collect();
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some((key, at, piece)) = read_item(r)? {
                heap.push(Reverse((key, at, i, piece)));
            }
        }
        while let Some(Reverse((_, _, i, piece))) = heap.pop() {
            each(&piece)?;
            if let Some((key, at, next)) = read_item(&mut readers[i])? {
                heap.push(Reverse((key, at, i, next)));
            }
        }
        Ok(())
    }
}

fn write_item(w: &mut impl Write, key: &[u8], at: u64, piece: &[u8]) -> std::io::Result<()> {
    w.write_all(&(key.len() as u32).to_le_bytes())?;
    w.write_all(key)?;
    w.write_all(&at.to_le_bytes())?;
    w.write_all(&(piece.len() as u64).to_le_bytes())?;
    w.write_all(piece)
}

type Item = (Vec<u8>, u64, Vec<u8>);

fn read_item(r: &mut impl BufRead) -> std::io::Result<Option<Item>> {
    if r.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let mut n4 = [0u8; 4];
    r.read_exact(&mut n4)?;
    let mut key = vec![0u8; u32::from_le_bytes(n4) as usize];
    r.read_exact(&mut key)?;
    let mut n8 = [0u8; 8];
    r.read_exact(&mut n8)?;
    let at = u64::from_le_bytes(n8);
    r.read_exact(&mut n8)?;
    let mut piece = vec![0u8; u64::from_le_bytes(n8) as usize];
    r.read_exact(&mut piece)?;
    Ok(Some((key, at, piece)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut s: Spill, items: &[(u64, &str)]) -> Vec<String> {
        for (k, v) in items {
            s.put(Key::new().num(*k), v.as_bytes().to_vec()).unwrap();
        }
        let mut out = Vec::new();
        s.drain(|p| {
            out.push(String::from_utf8(p.to_vec()).unwrap());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn pieces_come_back_in_key_order_with_equal_keys_in_put_order() {
        let items = [(3, "c"), (1, "a1"), (2, "b"), (1, "a2"), (0, "z")];
        let want = ["z", "a1", "a2", "b", "c"];
        // in memory, and through runs on disk (a budget of a few bytes writes a run per piece)
        assert_eq!(sorted(Spill::new(), &items), want);
        assert_eq!(sorted(Spill::with_budget(60), &items), want);
        assert_eq!(sorted(Spill::with_budget(1), &items), want);
    }

    #[test]
    fn text_keys_sort_as_text() {
        let a = Key::new().text("ab").num(1);
        let b = Key::new().text("abc").num(0);
        assert!(a < b);
    }
}
