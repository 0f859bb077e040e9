// Lesson 14's exercise: read one whole HTTP request. Yours to write.
//
// Check it:       cargo exercise lesson-14-http
// Stuck?          cargo hint lesson-14-http      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-14-http

use common::Result;

#[allow(unused_imports)]
use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

// ANCHOR: exercise
/// Read one whole request from `conn`: its head, up to and including the empty line that ends
/// it, then its body, if it has one.
///
/// The contract (what the checks test):
/// - TCP gives bytes, not messages: the head may come in many recvs, and one recv may bring
///   the head and the body together. `head_end(&bytes)` says where a head ends, once it has
///   (at `\r\n\r\n`, or at a sloppy bare `\n\n`: that client gets its 400 at once). A head
///   is bytes, not always UTF-8 (answer() refuses that later): where it ends is a byte offset.
/// - A head longer than MAX_HEAD bytes, or more than MAX_HEAD bytes with no end of head yet:
///   `Request::TooLarge`, with no further recv, its body unread (a client must not make us
///   hold its bytes). The limit is on the head alone, empty line included: a head of exactly
///   MAX_HEAD bytes is fine, and body bytes that came with it (or a body of up to MAX_BODY)
///   do not count.
/// - Then the body: `body_length(head)` gives how many bytes of it follow the head, or the
///   response that refuses it (`Request::Refused(that response)`, with no further recv). Read
///   until that many bytes have come after the head, and not a recv more: a request that is
///   whole (its head and body may all come in the first recv) gets no further recv.
/// - Return `Request::Complete(head)`: the head alone, empty line included; the body and any
///   byte after it are set aside.
/// - `Recv::TimedOut` or `Recv::Closed` before the request is whole (a head without its empty
///   line yet, or a body short of its length): `Request::TimedOut` or `Request::Closed`, with
///   no further recv. A close never completes a request. An error from `recv`: return it.
/// - Print nothing: the lesson narrates each recv around your function.
pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let _ = conn;
    todo!("read the head, then the body its Content-Length announces")
}
// ANCHOR_END: exercise
