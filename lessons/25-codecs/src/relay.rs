//! The queue between a connection's two tasks: the reader, which decodes requests and queues
//! their answers, and the writer, which takes the answers and writes them. A tokio `mpsc`
//! channel, bounded or not, with a gauge that measures how full it got.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};

// ANCHOR: queue
/// The reader's end of the queue.
pub struct Tx<T> {
    inner: Sending<T>,
    gauge: Arc<Gauge>,
}

/// The writer's end of the queue.
pub struct Rx<T> {
    inner: Receiving<T>,
    gauge: Arc<Gauge>,
}

enum Sending<T> {
    Bounded(mpsc::Sender<T>),
    Unbounded(mpsc::UnboundedSender<T>),
}

enum Receiving<T> {
    Bounded(mpsc::Receiver<T>),
    Unbounded(mpsc::UnboundedReceiver<T>),
}

/// A queue that holds at most `capacity` answers (`Some`), or any number (`None`).
pub fn queue<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>, Arc<Gauge>) {
    let gauge = Arc::new(Gauge::default());
    let (tx, rx) = match capacity {
        Some(n) => {
            let (tx, rx) = mpsc::channel(n);
            (Sending::Bounded(tx), Receiving::Bounded(rx))
        }
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            (Sending::Unbounded(tx), Receiving::Unbounded(rx))
        }
    };
    let tx = Tx {
        inner: tx,
        gauge: gauge.clone(),
    };
    let rx = Rx {
        inner: rx,
        gauge: gauge.clone(),
    };
    (tx, rx, gauge)
}

/// The writer is gone: nobody will take this answer.
#[derive(Debug)]
pub struct Closed;

impl<T: AsRef<[u8]>> Tx<T> {
    /// Queue one answer. Bounded and full, this WAITS (`send().await`) until the writer takes
    /// one: meanwhile the reader reads nothing, the client's bytes stay in the kernel, and a
    /// client that keeps sending is slowed down by TCP itself. Unbounded, it never waits: the
    /// queue grows as long as the reader is faster than the writer.
    pub async fn send(&self, answer: T) -> Result<(), Closed> {
        let size = answer.as_ref().len();
        match &self.inner {
            // try_send first only to count the waits; send().await alone does the same job.
            Sending::Bounded(tx) => match tx.try_send(answer) {
                Ok(()) => {}
                Err(TrySendError::Full(answer)) => {
                    self.gauge.waits.fetch_add(1, Ordering::SeqCst);
                    tx.send(answer).await.map_err(|_| Closed)?;
                }
                Err(TrySendError::Closed(_)) => return Err(Closed),
            },
            Sending::Unbounded(tx) => tx.send(answer).map_err(|_| Closed)?,
        }
        self.gauge.change(1, size as i64);
        Ok(())
    }
}

impl<T: AsRef<[u8]>> Rx<T> {
    /// The next answer; `None` once the reader is done and the queue is empty.
    pub async fn recv(&mut self) -> Option<T> {
        let answer = match &mut self.inner {
            Receiving::Bounded(rx) => rx.recv().await,
            Receiving::Unbounded(rx) => rx.recv().await,
        }?;
        self.gauge.change(-1, -(answer.as_ref().len() as i64));
        Some(answer)
    }
}
// ANCHOR_END: queue

// ANCHOR: gauge
/// How full a queue got.
#[derive(Debug, Default)]
pub struct Gauge {
    answers: AtomicI64,
    bytes: AtomicI64,
    peak_answers: AtomicI64,
    peak_bytes: AtomicI64,
    waits: AtomicUsize,
}

/// What a gauge measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// The most answers queued at once, and their bytes.
    pub peak_answers: usize,
    pub peak_bytes: usize,
    /// How many times the reader found the queue full and waited.
    pub waits: usize,
}

impl Gauge {
    fn change(&self, answers: i64, bytes: i64) {
        let now = self.answers.fetch_add(answers, Ordering::SeqCst) + answers;
        self.peak_answers.fetch_max(now, Ordering::SeqCst);
        let now = self.bytes.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.peak_bytes.fetch_max(now, Ordering::SeqCst);
    }

    pub fn measured(&self) -> Measured {
        Measured {
            peak_answers: self.peak_answers.load(Ordering::SeqCst).max(0) as usize,
            peak_bytes: self.peak_bytes.load(Ordering::SeqCst).max(0) as usize,
            waits: self.waits.load(Ordering::SeqCst),
        }
    }
}
// ANCHOR_END: gauge
