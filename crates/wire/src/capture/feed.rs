//! Reading a streamed capture (stdin, a pipe, gzip) on its own thread, so that a live pipe is
//! analyzed as its bytes arrive, not once a buffer of megabytes has filled, and so that
//! decompression runs beside the analysis instead of before it.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};

use super::CaptureError;

/// Bytes asked of the reader per read: a pipe gives at most its buffer (64 KiB on Linux), a
/// gzip stream whatever it has decompressed.
const READ_BYTES: usize = 256 << 10;
/// Reads waiting to be taken: with [`READ_BYTES`] this bounds the bytes read ahead.
const PIECES_AHEAD: usize = 64;

/// The bytes of a streamed input, as they arrive.
pub struct Feed {
    pieces: Receiver<io::Result<Vec<u8>>>,
    ended: bool,
    name: String,
}

impl Feed {
    /// Starts reading `reader` on a thread of its own. The thread ends at the end of the input,
    /// at an error, or when the feed is dropped (at its next read).
    pub fn spawn(mut reader: Box<dyn Read + Send>, name: &str) -> Feed {
        let (tx, rx) = sync_channel(PIECES_AHEAD);
        let spawned = std::thread::Builder::new()
            .name("voipscope-read".into())
            .spawn(move || {
                let mut buf = vec![0u8; READ_BYTES];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => {
                            if tx.send(Ok(buf[..n].to_vec())).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            });
        let ended = spawned.is_err();
        Feed {
            pieces: rx,
            ended,
            name: name.to_string(),
        }
    }

    /// Appends to `buf`: waits until it holds at least `at_least` bytes (or the input ended),
    /// then takes what else has already arrived, up to `at_most`. True when the input has
    /// ended and everything was taken.
    pub fn fill(
        &mut self,
        buf: &mut Vec<u8>,
        at_least: usize,
        at_most: usize,
    ) -> Result<bool, CaptureError> {
        while !self.ended && buf.len() < at_least {
            match self.pieces.recv() {
                Ok(piece) => self.take(buf, piece)?,
                Err(_) => self.ended = true,
            }
        }
        while !self.ended && buf.len() < at_most {
            match self.pieces.try_recv() {
                Ok(piece) => self.take(buf, piece)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.ended = true,
            }
        }
        Ok(self.ended)
    }

    fn take(&mut self, buf: &mut Vec<u8>, piece: io::Result<Vec<u8>>) -> Result<(), CaptureError> {
        match piece {
            Ok(bytes) => {
                buf.extend_from_slice(&bytes);
                Ok(())
            }
            Err(e) => {
                self.ended = true;
                Err(CaptureError::Io(self.name.clone(), e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its bytes a few at a time.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = (self.0.len() - self.1).min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn gives_every_byte_in_order_then_says_it_ended() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut feed = Feed::spawn(Box::new(Trickle(bytes.clone(), 0)), "t");
        let mut got = Vec::new();
        let mut ended = false;
        while !ended {
            let (at_least, at_most) = (got.len() + 1, got.len() + 100);
            ended = feed.fill(&mut got, at_least, at_most).unwrap();
        }
        assert_eq!(got, bytes);
    }

    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }

    #[test]
    fn a_read_error_reaches_the_caller() {
        let mut feed = Feed::spawn(Box::new(Failing), "t");
        let err = feed.fill(&mut Vec::new(), 1, 1).unwrap_err();
        assert!(err.to_string().contains("disk on fire"), "{err}");
    }
}
