//! The widget's tasks, run by an executor of its own rather than
//! wasm-bindgen-futures' `spawn_local`, which also carries a path for
//! JavaScript promise integration (JSPI), a fallback for browsers without
//! `queueMicrotask` and four ways of finding the global object: none of
//! which the widget uses, all of which every visitor downloaded.
//!
//! It runs tasks as `spawn_local` does: a task woken is polled in a
//! microtask, after the code that woke it, in the order woken; a task woken
//! while the queue runs waits for the next microtask; a task that finishes
//! is dropped at once, with everything it holds.

use std::{
    cell::{Cell, RefCell},
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Wake, Waker},
};

use wasm_bindgen::{closure::Closure, prelude::wasm_bindgen, JsValue};
use web_sys::Event;

#[wasm_bindgen]
extern "C" {
    /// Every browser the widget runs in has it (all since 2019).
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);
}

/// A future, polled whenever it is woken, until it is done.
struct Task {
    /// `None` once done.
    future: RefCell<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    /// Waiting in the queue: waking it again adds nothing.
    queued: Cell<bool>,
}

// SAFETY: the widget's wasm has one thread (it is built without atomics),
// so a task is never sent to or shared with another. `Wake` asks for both
// only because a waker may cross threads where there are threads.
unsafe impl Send for Task {}
unsafe impl Sync for Task {}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        queue(self);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        queue(self.clone());
    }
}

/// The tasks woken and not yet polled, in order; whether a run of them is
/// due in a microtask; and the closure that runs them, made once. It takes
/// an `Event`, which `queueMicrotask` never passes, because that is the
/// listeners' type (`dom.rs`): the glue has one shim that calls closures of
/// it, and a closure taking nothing would add its own (+0.1 KB gzip).
struct Queue {
    tasks: RefCell<Vec<Arc<Task>>>,
    due: Cell<bool>,
    run: Closure<dyn FnMut(Event)>,
}

thread_local! {
    static QUEUE: Queue = Queue { tasks: RefCell::new(Vec::new()), due: Cell::new(false), run: Closure::new(|_| run()) };
}

/// Runs `future` to its end on the page's event loop (polled first in a
/// microtask, as `spawn_local` does). Boxed here, so that one function
/// (`start`) starts every task the widget has, rather than a copy of it for
/// each future's type.
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    start(Box::pin(future));
}

fn start(future: Pin<Box<dyn Future<Output = ()>>>) {
    queue(Arc::new(Task { future: RefCell::new(Some(future)), queued: Cell::new(false) }));
}

fn queue(task: Arc<Task>) {
    if task.queued.replace(true) {
        return;
    }
    QUEUE.with(|queue| {
        queue.tasks.borrow_mut().push(task);
        if !queue.due.replace(true) {
            queue_microtask(queue.run.as_ref());
        }
    });
}

/// Polls the tasks woken before this microtask, once each, taking each from
/// the queue only as its turn comes: should a poll ever throw (a page's
/// script breaking a DOM method), those after it stay queued, and run with
/// the next task woken.
fn run() {
    let woken = QUEUE.with(|queue| {
        queue.due.set(false);
        queue.tasks.borrow().len()
    });
    for _ in 0..woken {
        // Only this function takes from the queue, so these are still there.
        let task = QUEUE.with(|queue| queue.tasks.borrow_mut().remove(0));
        // Woken again while it runs, it runs again in the next microtask.
        task.queued.set(false);
        let waker = Waker::from(task.clone());
        let mut future = task.future.borrow_mut();
        if let Some(running) = future.as_mut() {
            if running.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                *future = None;
            }
        }
    }
}
