//! The widget's memory allocator: blocks in power-of-two sizes from 16 bytes
//! up, each size with its own list of freed blocks, taken from new pages of
//! the wasm memory when the list is empty.
//!
//! Not the standard library's dlmalloc, which measured 7 KB of code (3 KB
//! of every visitor's gzipped download) for what the widget needs: a few
//! thousand small strings and vectors, the same sizes again and again
//! (every count update draws the same texts), on one thread. A freed block
//! serves the next request of its size, so the memory a widget uses levels
//! off; the price is up to half of each block unused, and freed memory kept
//! for its own size (wasm memory never shrinks anyway).
use core::{
    alloc::{GlobalAlloc, Layout},
    cell::UnsafeCell,
};

/// Sizes 16 B (class 0) to 2 GiB.
const CLASSES: usize = 28;
const PAGE: usize = 65_536;

pub struct Blocks {
    /// Each class's freed blocks, linked through their first word.
    free: UnsafeCell<[usize; CLASSES]>,
    /// The unused rest of the pages taken so far: `[next, end)`.
    next: UnsafeCell<usize>,
    end: UnsafeCell<usize>,
}

// wasm32 without threads: one thread, so no two calls ever overlap.
unsafe impl Sync for Blocks {}

impl Blocks {
    pub const fn new() -> Blocks {
        Blocks { free: UnsafeCell::new([0; CLASSES]), next: UnsafeCell::new(0), end: UnsafeCell::new(0) }
    }
}

/// The class of blocks that holds `layout` (its size, rounded up to its
/// alignment's and to 16 bytes, as a power of two).
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(16);
    (usize::BITS - (size - 1).leading_zeros()) as usize - 4
}

unsafe impl GlobalAlloc for Blocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class(&layout);
        if class >= CLASSES {
            return core::ptr::null_mut();
        }
        let free = &mut *self.free.get();
        let block = free[class];
        if block != 0 {
            free[class] = *(block as *const usize);
            return block as *mut u8;
        }
        let size = 16usize << class;
        // Aligned to its own size (up to a page), so that any layout of
        // this class fits any block of it.
        let align = size.min(PAGE);
        let (next, end) = (&mut *self.next.get(), &mut *self.end.get());
        let mut start = (*next + align - 1) & !(align - 1);
        if start + size > *end || *end == 0 {
            let pages = size.div_ceil(PAGE) + 15;
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return core::ptr::null_mut();
            }
            // New pages follow the old end unless something else grew the memory.
            if old * PAGE != *end {
                *next = old * PAGE;
            }
            *end = (old + pages) * PAGE;
            start = (*next + align - 1) & !(align - 1);
        }
        *next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let free = &mut *self.free.get();
        let class = class(&layout);
        *(ptr as *mut usize) = free[class];
        free[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new) == class(&layout) {
            return ptr;
        }
        let moved = self.alloc(new);
        if !moved.is_null() {
            core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Blocks are reused by size, never overlap, and keep what is written
    /// in them through growth and shrinking.
    #[wasm_bindgen_test]
    fn blocks_hold_their_bytes_and_are_reused() {
        let mut kept: Vec<Vec<u8>> = Vec::new();
        for round in 0..2_000usize {
            let size = (round * 7919) % 5_000;
            let fill = (round % 251) as u8;
            let mut block = vec![fill; size];
            block.extend(std::iter::repeat_n(fill, round % 300));
            kept.push(block);
            if round % 3 == 0 {
                kept.remove((round * 31) % kept.len());
            }
        }
        for block in &kept {
            let first = block.first().copied();
            assert!(block.iter().all(|b| Some(*b) == first), "a block was written over");
        }
        // A freed block of a size serves the next request of that size.
        let a = Box::new([1u8; 100]);
        let at = &*a as *const _ as usize;
        drop(a);
        let b = Box::new([2u8; 100]);
        assert_eq!(&*b as *const _ as usize, at);
        // Large blocks, more than a page.
        let big = vec![9u8; 300_000];
        assert!(big.iter().all(|b| *b == 9));
    }
}
