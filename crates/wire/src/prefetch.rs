//! Cache hints: asking the CPU to fetch memory that will be read shortly. They change nothing
//! the program computes, only when its loads wait; on targets without an intrinsic they do
//! nothing.

/// Fetches every cache line of `value`.
pub fn lines_of<T>(value: &T) {
    first_bytes_of(value, std::mem::size_of::<T>());
}

/// Fetches the cache lines of the first `bytes` bytes of `value`: the part a caller will read,
/// when the rest would only take the place of lines it needs.
pub fn first_bytes_of<T>(value: &T, bytes: usize) {
    let start = (value as *const T).cast::<u8>();
    for offset in (0..bytes.min(std::mem::size_of::<T>())).step_by(64) {
        address(start.wrapping_add(offset));
    }
}

/// Fetches the cache line holding `p`. Any address will do: a prefetch never faults.
#[inline(always)]
pub fn address(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch never dereferences its
        // address (it cannot fault).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
