//! An allocator that counts, for checks on memory: the bytes each thread has allocated and not
//! freed yet, the most it has held at once, and the largest single allocation it asked for. A check runs the learner's function on its
//! own thread, so other tests running side by side do not disturb its figures. A test crate
//! installs it once:
//!
//! ```ignore
//! #[global_allocator]
//! static COUNTING: testkit::allocations::Counting = testkit::allocations::Counting;
//!
//! let (result, peak) = testkit::allocations::peak_during(|| your_function());
//! let (result, largest) = testkit::allocations::largest_during(|| your_function());
//! ```
//!
//! (Without it installed, the figures stay 0.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Passes every call to the system allocator and counts the bytes, per thread.
pub struct Counting;

thread_local! {
    // const-initialised Cells with no destructor: using them allocates nothing.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// This thread asked for one block of `size` bytes.
fn asked(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

/// This thread's allocations went up (or down) by `by` bytes.
fn count(by: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + by;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call goes to the system allocator unchanged; the counting only reads sizes
// and touches thread-locals that allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        asked(layout.size());
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        asked(layout.size());
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        asked(new_size);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// The bytes this thread has allocated and not freed (those it freed of another thread's
/// count against it, so compare two readings, not one with zero).
pub fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// Run `f`; return its result and the most this thread held at once meanwhile, over what it
/// held when `f` began.
pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = live_bytes();
    PEAK.with(|peak| peak.set(start));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, (peak - start).max(0) as usize)
}

/// Run `f`; return its result and the largest single block this thread asked the allocator
/// for meanwhile (whether or not it was granted, and however soon it was freed).
pub fn largest_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|largest| largest.set(0));
    let result = f();
    (result, LARGEST.with(Cell::get))
}
