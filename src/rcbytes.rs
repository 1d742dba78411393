//! `RcBytes`: the reference-counted, growable byte buffer behind `vm::value::PhpStr`.
//!
//! `Rc<Vec<u8>>` costs two heap blocks per string (the `Rc` box holding the `Vec`, and the
//! bytes), so every string made and freed was two allocations and two frees. Here the count,
//! length, capacity and a data pointer sit in a header that the bytes follow in the same
//! block (one allocation), as PHP's `zend_string` does. A string that already exists as a
//! `Vec` (a builtin's result) is adopted instead of copied: its header block points at the
//! `Vec`'s buffer, so a large result is never held twice (that would double the transient
//! memory a `memory_limit` counts) and the conversion costs what `Rc::new(vec)` did.
//!
//! The type is a thin pointer (8 bytes, so `Value` stays 16), not `Send` or `Sync` (the
//! count is a plain `Cell`, as `Rc`'s). Mutation copies a shared buffer first
//! (copy-on-write); a uniquely owned one grows in place (`realloc` of the block, or the
//! adopted `Vec`'s own growth). `src/vm` forbids `unsafe`, so this lives at the crate level
//! with the other allowed users (`tests/tidy.rs`); everything outside this file is safe.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ptr::{self, NonNull};

/// The block's header; the inline bytes follow it.
#[repr(C)]
struct Header {
    /// Number of `RcBytes` handles sharing the block.
    count: Cell<usize>,
    /// Bytes in use.
    len: usize,
    /// Bytes available at `data`.
    cap: usize,
    /// The bytes: right after the header (inline), or an adopted `Vec`'s buffer.
    data: *mut u8,
    /// Whether `data` is an adopted `Vec`'s buffer (an address compare cannot tell: that
    /// buffer may start right where the header-only block ends).
    external: bool,
}

const HEADER: usize = std::mem::size_of::<Header>();

/// A reference-counted byte string in one heap block (see the module documentation).
pub struct RcBytes {
    ptr: NonNull<Header>,
}

#[cold]
fn capacity_overflow() -> ! {
    panic!("capacity overflow")
}

/// The layout of a block with `cap` inline bytes.
fn block_layout(cap: usize) -> Layout {
    match HEADER
        .checked_add(cap)
        .and_then(|size| Layout::from_size_align(size, std::mem::align_of::<Header>()).ok())
    {
        Some(layout) => layout,
        None => capacity_overflow(),
    }
}

impl RcBytes {
    /// An empty buffer with room for `cap` bytes inline.
    pub fn with_capacity(cap: usize) -> RcBytes {
        let layout = block_layout(cap);
        // SAFETY: the layout's size is at least `HEADER` (non-zero).
        let raw = unsafe { alloc::alloc(layout) }.cast::<Header>();
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: `ptr` is a fresh block of `HEADER + cap` bytes aligned for `Header`; the
        // inline bytes start `HEADER` bytes in, inside the block.
        unsafe {
            let data = raw.cast::<u8>().add(HEADER);
            ptr.as_ptr().write(Header {
                count: Cell::new(1),
                len: 0,
                cap,
                data,
                external: false,
            });
        }
        RcBytes { ptr }
    }

    /// A copy of `bytes` in a block of exactly their size.
    pub fn from_slice(bytes: &[u8]) -> RcBytes {
        let mut b = RcBytes::with_capacity(bytes.len());
        // SAFETY: the fresh block is unique and has room for `bytes.len()` bytes; `bytes`
        // cannot overlap a block allocated just now.
        unsafe { b.append_unchecked(bytes) };
        b
    }

    /// Adopts `v`'s buffer (no copy): the block holds only the header.
    pub fn from_vec(v: Vec<u8>) -> RcBytes {
        if v.capacity() == 0 {
            return RcBytes::with_capacity(0);
        }
        let layout = block_layout(0);
        // SAFETY: the layout's size is `HEADER` (non-zero).
        let raw = unsafe { alloc::alloc(layout) }.cast::<Header>();
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        let mut v = ManuallyDrop::new(v);
        // SAFETY: `ptr` is a fresh block sized and aligned for a `Header`; the `Vec`'s
        // buffer (pointer, length, capacity) is owned by the block from now on and given
        // back to a `Vec` by `release_external`.
        unsafe {
            ptr.as_ptr().write(Header {
                count: Cell::new(1),
                len: v.len(),
                cap: v.capacity(),
                data: v.as_mut_ptr(),
                external: true,
            });
        }
        RcBytes { ptr }
    }

    #[inline]
    fn header(&self) -> &Header {
        // SAFETY: `ptr` points at a live, initialised header for as long as a handle exists.
        unsafe { self.ptr.as_ref() }
    }

    /// Whether the bytes live in an adopted `Vec` rather than after the header.
    fn is_external(&self) -> bool {
        self.header().external
    }

    /// Number of bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.header().len
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        let h = self.header();
        // SAFETY: `data` points at `cap >= len` bytes owned by the block, of which the first
        // `len` are initialised; they are not written while `self` is borrowed (writes need
        // `&mut` on a unique handle).
        unsafe { std::slice::from_raw_parts(h.data, h.len) }
    }

    /// Whether no other handle shares the block.
    pub fn is_unique(&self) -> bool {
        self.header().count.get() == 1
    }

    /// Whether two handles share one block.
    pub fn ptr_eq(&self, other: &RcBytes) -> bool {
        self.ptr == other.ptr
    }

    /// Makes the buffer unique (copying a shared one) with room for `additional` more
    /// bytes. Growth at least doubles the capacity, so appending in a loop is linear.
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        let h = self.header();
        // The common case of `.=` and of building a string: already unique, with room.
        if h.count.get() == 1 && additional <= h.cap - h.len {
            return;
        }
        self.reserve_slow(additional);
    }

    /// `reserve` when the buffer is shared or too small.
    #[inline(never)]
    fn reserve_slow(&mut self, additional: usize) {
        let (len, cap) = (self.len(), self.header().cap);
        let need = len
            .checked_add(additional)
            .unwrap_or_else(|| capacity_overflow());
        if !self.is_unique() {
            // As `Rc::make_mut` of a `Vec` then its growth: the exact size when nothing is
            // added, else room to keep appending.
            let new_cap = if additional == 0 {
                len
            } else {
                need.max(len.saturating_mul(2))
            };
            let mut fresh = RcBytes::with_capacity(new_cap);
            // SAFETY: `fresh` is unique with room for `len` bytes, and a different block.
            unsafe { fresh.append_unchecked(self.as_bytes()) };
            *self = fresh;
            return;
        }
        if need <= cap {
            return;
        }
        let new_cap = need.max(cap.saturating_mul(2)).max(16);
        if self.is_external() {
            let h = self.ptr.as_ptr();
            // SAFETY: the block is unique and external: `data`/`len`/`cap` are a `Vec`'s
            // parts given to `from_vec`. The `Vec` grows (possibly moving the buffer), and
            // its new parts go back into the header before anything else reads it.
            unsafe {
                let mut v = Vec::from_raw_parts((*h).data, (*h).len, (*h).cap);
                v.reserve(new_cap - len);
                let mut v = ManuallyDrop::new(v);
                (*h).data = v.as_mut_ptr();
                (*h).cap = v.capacity();
            }
            return;
        }
        let new_layout = block_layout(new_cap);
        // SAFETY: the block is unique and inline, allocated with `block_layout(cap)`; the
        // new size is non-zero and valid (checked by `block_layout`). After `realloc` the
        // old pointer is dead: the header is updated through the new one only.
        unsafe {
            let raw = alloc::realloc(
                self.ptr.as_ptr().cast::<u8>(),
                block_layout(cap),
                new_layout.size(),
            )
            .cast::<Header>();
            let Some(ptr) = NonNull::new(raw) else {
                alloc::handle_alloc_error(new_layout)
            };
            (*raw).data = raw.cast::<u8>().add(HEADER);
            (*raw).cap = new_cap;
            self.ptr = ptr;
        }
    }

    /// Appends `bytes` to a buffer known to be unique and to have room for them.
    ///
    /// # Safety
    ///
    /// `self` must be unique (`is_unique`), `len + bytes.len() <= cap`, and `bytes` must not
    /// point into this block.
    #[inline]
    unsafe fn append_unchecked(&mut self, bytes: &[u8]) {
        let h = self.ptr.as_ptr();
        // SAFETY: by the caller's contract the destination range `len..len + n` is inside
        // the buffer's capacity, unique to us, and disjoint from `bytes`.
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), (*h).data.add((*h).len), bytes.len());
            (*h).len += bytes.len();
        }
    }

    /// Appends `bytes` (copying a shared buffer first).
    #[inline]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        // SAFETY: `reserve` made the buffer unique with room for `bytes`; `bytes` is a
        // shared borrow that cannot alias the uniquely owned buffer (a borrow of it would
        // conflict with `&mut self`, and no other handle exists).
        unsafe { self.append_unchecked(bytes) };
    }

    /// Appends one byte.
    pub fn push(&mut self, byte: u8) {
        self.extend_from_slice(&[byte]);
    }

    /// The bytes for writing in place (copying a shared buffer first).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.reserve(0);
        let h = self.ptr.as_ptr();
        // SAFETY: the buffer is unique after `reserve`, its first `len` bytes are
        // initialised, and the returned borrow keeps `self` mutably borrowed.
        unsafe { std::slice::from_raw_parts_mut((*h).data, (*h).len) }
    }

    /// Shortens the string to `new_len` bytes (nothing when it is not longer).
    pub fn truncate(&mut self, new_len: usize) {
        if new_len < self.len() {
            self.reserve(0);
            // SAFETY: unique after `reserve`; shrinking keeps `len <= cap` and the bytes
            // before `new_len` initialised.
            unsafe { (*self.ptr.as_ptr()).len = new_len };
        }
    }

    /// Resizes to `new_len` bytes, filling new ones with `fill`.
    pub fn resize(&mut self, new_len: usize, fill: u8) {
        let len = self.len();
        if new_len <= len {
            self.truncate(new_len);
            return;
        }
        self.reserve(new_len - len);
        let h = self.ptr.as_ptr();
        // SAFETY: unique with room for `new_len` bytes after `reserve`.
        unsafe {
            ptr::write_bytes((*h).data.add(len), fill, new_len - len);
            (*h).len = new_len;
        }
    }

    /// The bytes as a `Vec`: the adopted buffer itself when the block is unique and
    /// external, else a copy.
    pub fn into_vec(self) -> Vec<u8> {
        if self.is_unique() && self.is_external() {
            let this = ManuallyDrop::new(self);
            let h = this.ptr.as_ptr();
            // SAFETY: unique and external: the parts are the adopted `Vec`'s, handed back to a
            // `Vec` exactly once; the header block is then freed without touching the bytes
            // (`this` is never dropped).
            unsafe {
                let v = Vec::from_raw_parts((*h).data, (*h).len, (*h).cap);
                alloc::dealloc(h.cast::<u8>(), block_layout(0));
                return v;
            }
        }
        self.as_bytes().to_vec()
    }
}

impl Clone for RcBytes {
    #[inline]
    fn clone(&self) -> RcBytes {
        let count = &self.header().count;
        let n = count.get();
        if n == usize::MAX {
            // As `Rc`: the count cannot wrap (it would free a block still in use).
            std::process::abort();
        }
        count.set(n + 1);
        RcBytes { ptr: self.ptr }
    }
}

impl Drop for RcBytes {
    #[inline]
    fn drop(&mut self) {
        let count = &self.header().count;
        let n = count.get() - 1;
        count.set(n);
        if n == 0 {
            // SAFETY: the count just reached zero: this is the last handle, and it is
            // being dropped, so the block is freed exactly once and never used again.
            unsafe { self.free_block() };
        }
    }
}

impl RcBytes {
    /// Frees the block (and an adopted buffer) once the last handle is dropped.
    ///
    /// # Safety
    ///
    /// Only `Drop` may call it, once, after the count reached zero; `self` is dead after.
    #[inline(never)]
    unsafe fn free_block(&mut self) {
        let external = self.is_external();
        let h = self.ptr.as_ptr();
        // SAFETY: by the contract this was the last handle, so nothing else can reach the
        // block. An
        // external buffer goes back to its `Vec` (freed with the layout it was made with);
        // the block itself was made by `with_capacity(cap)` (inline) or with
        // `block_layout(0)` (external).
        unsafe {
            if external {
                drop(Vec::from_raw_parts((*h).data, (*h).len, (*h).cap));
                alloc::dealloc(h.cast::<u8>(), block_layout(0));
            } else {
                alloc::dealloc(h.cast::<u8>(), block_layout((*h).cap));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RcBytes;

    #[test]
    fn slices_vecs_and_growth() {
        let mut a = RcBytes::from_slice(b"abc");
        assert_eq!(a.as_bytes(), b"abc");
        let b = a.clone();
        a.extend_from_slice(b"def");
        assert_eq!((a.as_bytes(), b.as_bytes()), (&b"abcdef"[..], &b"abc"[..]));
        for _ in 0..1000 {
            a.push(b'x');
        }
        assert_eq!(a.len(), 1006);
        a.truncate(2);
        assert_eq!(a.as_bytes(), b"ab");
        a.resize(5, b' ');
        assert_eq!(a.as_bytes(), b"ab   ");
        a.as_mut_slice()[0] = b'A';
        assert_eq!(a.as_bytes(), b"Ab   ");

        let mut v = RcBytes::from_vec(b"vec".to_vec());
        let w = v.clone();
        v.extend_from_slice(&[b'!'; 100]);
        assert_eq!(w.as_bytes(), b"vec");
        assert_eq!(v.len(), 103);
        assert_eq!(w.into_vec(), b"vec");
        let mut u = RcBytes::from_vec(Vec::with_capacity(2));
        u.extend_from_slice(b"grow past the adopted capacity");
        assert_eq!(u.clone().as_bytes(), b"grow past the adopted capacity");
        assert_eq!(u.into_vec(), b"grow past the adopted capacity");
        assert!(RcBytes::from_vec(Vec::new()).is_empty());
        assert!(RcBytes::with_capacity(0).into_vec().is_empty());
    }
}
