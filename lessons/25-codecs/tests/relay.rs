#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The queue between a connection's reader and writer (src/relay.rs), measured: bounded, it
//! never holds more than its capacity and makes the reader wait; unbounded, it holds whatever
//! the reader is ahead by.

use std::time::Duration;

use lesson_25_codecs::relay::{queue, Measured};

/// The reader queues `answers` answers of 10 bytes as fast as it can; the writer takes one per
/// millisecond. What the gauge saw.
fn run(capacity: Option<usize>, answers: usize) -> (Measured, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx, gauge) = queue::<Vec<u8>>(capacity);
        let reader = tokio::spawn(async move {
            for _ in 0..answers {
                tx.send(vec![b'a'; 10]).await.expect("the writer is there");
            }
        });
        let mut taken = 0;
        let writer = async {
            while rx.recv().await.is_some() {
                taken += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::time::timeout(testkit::timeout(), writer)
            .await
            .expect("the writer took every answer in time");
        reader.await.unwrap();
        (gauge.measured(), taken)
    })
}

#[test]
fn a_bounded_queue_holds_at_most_its_capacity_and_the_reader_waits() {
    let (measured, taken) = run(Some(8), 100);
    assert_eq!(taken, 100, "every answer arrives");
    assert_eq!(measured.peak_answers, 8, "{measured:?}");
    assert_eq!(measured.peak_bytes, 80, "{measured:?}");
    assert!(
        measured.waits >= 50,
        "the reader waited for room: {measured:?}"
    );
}

#[test]
fn an_unbounded_queue_holds_everything_the_reader_is_ahead_by() {
    let (measured, taken) = run(None, 100);
    assert_eq!(taken, 100, "every answer arrives");
    assert_eq!(measured.peak_answers, 100, "{measured:?}");
    assert_eq!(measured.peak_bytes, 1000, "{measured:?}");
    assert_eq!(measured.waits, 0, "{measured:?}");
}
