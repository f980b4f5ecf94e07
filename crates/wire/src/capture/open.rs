//! Opening a capture: a regular file is memory-mapped (so chunks can be decoded in parallel
//! straight from the page cache); gzip input and stdin are read as a stream.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::CaptureError;

/// The bytes of one capture.
pub enum Input {
    /// A whole uncompressed file, mapped.
    Mapped(memmap2::Mmap),
    /// An empty regular file (cannot be mapped).
    Empty,
    /// gzip or stdin: read front to back. `gzip` says whether it was compressed.
    Stream {
        reader: Box<dyn Read + Send>,
        gzip: bool,
    },
}

fn io_err(name: &str, e: io::Error) -> CaptureError {
    CaptureError::Io(name.to_string(), e)
}

/// A reader that gives back the bytes already peeked at before continuing with the rest.
struct Prefixed<R> {
    head: Vec<u8>,
    pos: usize,
    rest: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = (self.head.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.rest.read(buf)
    }
}

fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

/// Opens `path` (`-` is stdin). gzip is recognised by its magic number, whatever the name.
pub fn open_input(path: &str) -> Result<Input, CaptureError> {
    if path == "-" {
        let mut stdin = io::stdin().lock();
        let mut head = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            let n = stdin.read(&mut head[got..]).map_err(|e| io_err(path, e))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        // flate2 reads the gzip header while it is constructed: the lock must be gone by then
        drop(stdin);
        let head = head[..got].to_vec();
        let gzip = is_gzip(&head);
        let raw = Prefixed {
            head,
            pos: 0,
            rest: io::stdin(),
        };
        let reader: Box<dyn Read + Send> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw)))
        } else {
            Box::new(raw)
        };
        return Ok(Input::Stream { reader, gzip });
    }
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let len = file.metadata().map_err(|e| io_err(path, e))?.len();
    if len == 0 {
        return Ok(Input::Empty);
    }
    if !file.metadata().map_err(|e| io_err(path, e))?.is_file() {
        return Ok(Input::Stream {
            reader: Box::new(file),
            gzip: false,
        });
    }
    // SAFETY: the map is read-only; a capture file changed by another process while we read it
    // is outside what any capture tool can promise (the same holds for Wireshark).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_err(path, e))?;
    #[cfg(unix)]
    {
        let _ = map.advise(memmap2::Advice::Sequential);
    }
    if is_gzip(&map) {
        drop(map);
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let reader = Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            file,
        )));
        return Ok(Input::Stream { reader, gzip: true });
    }
    Ok(Input::Mapped(map))
}

/// Reads until `buf` holds `want` bytes or the input ends (then returns true).
pub fn read_full(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    want: usize,
    name: &str,
) -> Result<bool, CaptureError> {
    let mut eof = false;
    while buf.len() < want {
        let start = buf.len();
        buf.resize(want, 0);
        match reader.read(&mut buf[start..]) {
            Ok(0) => {
                buf.truncate(start);
                eof = true;
                break;
            }
            Ok(n) => buf.truncate(start + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(start),
            Err(e) => {
                buf.truncate(start);
                return Err(CaptureError::Io(name.to_string(), e));
            }
        }
    }
    Ok(eof)
}
