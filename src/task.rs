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
    cell::{Cell, OnceCell, RefCell},
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::Arc,
    task::{Context, Poll, Wake, Waker},
};

use js_sys::Promise;
use wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use web_sys::Event;

use crate::dom::Callback;

#[wasm_bindgen]
extern "C" {
    /// Every browser the widget runs in has it (all since 2019).
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);

    /// A promise, as `Settled` calls it: its `then` takes callbacks of any
    /// type (js-sys' takes its own), and what it returns is left unread.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(promise: &Thenable, resolved: &JsValue, rejected: &JsValue);
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
/// due in a microtask; and the closure that runs them, made when first
/// needed (so the queue itself is made at compile time: made on first use,
/// it brought std's lazy thread-local code, 0.6 KB of wasm). It takes
/// an `Event`, which `queueMicrotask` never passes, because that is the
/// listeners' type (`dom.rs`): the glue has one shim that calls closures of
/// it, and a closure taking nothing would add its own (+0.1 KB gzip).
struct Queue {
    tasks: RefCell<Vec<Arc<Task>>>,
    due: Cell<bool>,
    run: OnceCell<Callback>,
}

thread_local! {
    static QUEUE: Queue = const { Queue { tasks: RefCell::new(Vec::new()), due: Cell::new(false), run: OnceCell::new() } };
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
            queue_microtask(queue.run.get_or_init(|| Callback::new(|_| run())).as_ref());
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

/// A promise as a future: resolved, `Ok` with its value; rejected, `Err`
/// with its reason. (wasm-bindgen-futures' `JsFuture` does the same with
/// closures of a type of their own, whose glue every visitor downloaded
/// beside the listeners'; these are `dom::Callback`s, like the listeners,
/// and the value they are given as an `Event` is only read as a `JsValue`.)
pub struct Settled(Rc<Outcome>);

#[derive(Default)]
struct Outcome {
    result: RefCell<Option<Result<JsValue, JsValue>>>,
    /// The task awaiting it, once polled.
    waker: RefCell<Option<Waker>>,
    /// The promise's two callbacks, until it settles. They hold this, and
    /// this them, so they are dropped then (one of them while it runs,
    /// which wasm-bindgen allows: it frees a closure once its call returns),
    /// whether or not anything still awaits the outcome.
    callbacks: RefCell<Option<[Callback; 2]>>,
}

impl Settled {
    pub fn new(promise: &Promise) -> Settled {
        Settled::when(&|resolved, rejected| promise.unchecked_ref::<Thenable>().then(resolved, rejected))
    }

    /// Settled by whichever of its two callbacks is called first, which
    /// `hand_over` gives to what will call them later (a promise's `then`,
    /// a timer): called at once, before they are kept here, they would be
    /// kept after settling, each holding the other, and never let go.
    pub fn when(hand_over: &dyn Fn(&JsValue, &JsValue)) -> Settled {
        let outcome = Rc::new(Outcome::default());
        let callback = |resolved: bool| {
            let outcome = outcome.clone();
            Callback::new(move |value: Event| {
                let value = JsValue::from(value);
                *outcome.result.borrow_mut() = Some(if resolved { Ok(value) } else { Err(value) });
                outcome.callbacks.take();
                if let Some(waker) = outcome.waker.take() {
                    waker.wake();
                }
            })
        };
        let callbacks = [callback(true), callback(false)];
        hand_over(callbacks[0].as_ref(), callbacks[1].as_ref());
        *outcome.callbacks.borrow_mut() = Some(callbacks);
        Settled(outcome)
    }
}

impl Future for Settled {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, context: &mut Context) -> Poll<Self::Output> {
        match self.0.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                *self.0.waker.borrow_mut() = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// Lets the page's microtasks run until `done` says so (each await of a
    /// settled promise is one turn of them).
    async fn until(done: impl Fn() -> bool) {
        for _ in 0..100 {
            if done() {
                return;
            }
            wasm_bindgen_futures::JsFuture::from(Promise::resolve(&JsValue::NULL)).await.unwrap();
        }
        assert!(done(), "still not done after 100 turns of microtasks");
    }

    #[wasm_bindgen_test]
    async fn a_promise_settles_as_its_value_or_its_reason() {
        assert_eq!(Settled::new(&Promise::resolve(&JsValue::from(7))).await, Ok(JsValue::from(7)));
        assert_eq!(Settled::new(&Promise::reject(&JsValue::from("refused"))).await, Err(JsValue::from("refused")));
    }

    /// A task waiting on a promise sleeps until it settles, then runs on
    /// with what it settled with.
    #[wasm_bindgen_test]
    async fn a_task_runs_on_when_its_promise_settles() {
        let mut resolve = None;
        let promise = Promise::new(&mut |done, _| resolve = Some(done));
        let got = Rc::new(RefCell::new(None));
        spawn({
            let got = got.clone();
            async move { *got.borrow_mut() = Some(Settled::new(&promise).await) }
        });
        // Polled, and waiting.
        until(|| QUEUE.with(|queue| queue.tasks.borrow().is_empty())).await;
        assert_eq!(*got.borrow(), None);
        resolve.unwrap().call1(&JsValue::NULL, &JsValue::from("signed")).unwrap();
        until(|| got.borrow().is_some()).await;
        assert_eq!(*got.borrow(), Some(Ok(JsValue::from("signed"))));
    }

    /// A promise awaited by nothing any more (the widget unmounted while a
    /// request was under way) keeps its callbacks until it settles (were
    /// they dropped, calling them would throw in the page), and then lets
    /// them go, with the outcome they hold: nothing is left behind.
    #[wasm_bindgen_test]
    async fn a_promise_no_longer_awaited_settles_quietly() {
        let mut resolve = None;
        let promise = Promise::new(&mut |done, _| resolve = Some(done));
        let settled = Settled::new(&promise);
        let outcome = Rc::downgrade(&settled.0);
        drop(settled);
        assert!(outcome.upgrade().is_some(), "its callbacks keep it until the promise settles");
        resolve.unwrap().call1(&JsValue::NULL, &JsValue::TRUE).unwrap();
        until(|| outcome.upgrade().is_none()).await;
    }
}
