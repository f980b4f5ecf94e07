//! The process's allocator: mimalloc, entered by its plain `malloc` whenever the alignment
//! asked for is one every mimalloc block already has.
//!
//! The `mimalloc` crate's own `MiMalloc` passes every request to `mi_malloc_aligned`. For
//! blocks over 1 KiB whose size is not a power of two, that takes mimalloc's generic aligned
//! path, which over-allocates by the alignment and costs several times the plain fast path;
//! SIP message copies, batches and JSON lines are such blocks. Every mimalloc block is aligned
//! to at least a word (block sizes are whole words, pages start aligned), so for alignments up
//! to a word `mi_malloc` gives what was asked, and only larger alignments take the aligned
//! calls. Freeing is the same call for both.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every mimalloc block has: one machine word.
const WORD: usize = std::mem::size_of::<usize>();

pub struct Allocator;

// SAFETY: each call returns a block from mimalloc of at least `layout.size()` bytes, aligned to
// `layout.align()` (plain calls only for alignments of a word or less, which mimalloc always
// gives; the aligned calls otherwise), or null; `dealloc` and `realloc` take only pointers
// these calls returned, and mimalloc frees any of them with `mi_free`.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_malloc(layout.size()) as *mut u8
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_zalloc(layout.size()) as *mut u8
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size class a program uses, at every alignment Rust asks for: the block is aligned,
    /// writable to its end, keeps its bytes when grown and shrunk, and frees.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let a = Allocator;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..2100).step_by(7).chain([4096, 65_536, 1 << 20]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a nonzero size and a power-of-two alignment; each block is used
                // within its size and freed once, with the layout it was made with.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    std::ptr::write_bytes(p, 0xA5, size);
                    let grown = a.realloc(p, layout, size * 3);
                    assert_eq!(grown as usize % align, 0);
                    assert!((0..size).all(|i| *grown.add(i) == 0xA5));
                    let layout3 = Layout::from_size_align(size * 3, align).unwrap();
                    let shrunk = a.realloc(grown, layout3, size.div_ceil(2));
                    assert_eq!(shrunk as usize % align, 0);
                    assert!((0..size.div_ceil(2)).all(|i| *shrunk.add(i) == 0xA5));
                    let half = Layout::from_size_align(size.div_ceil(2), align).unwrap();
                    a.dealloc(shrunk, half);
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
