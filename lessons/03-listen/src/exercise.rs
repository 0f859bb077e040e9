// Lesson 03's exercise: listen, with the backlog you were given. Yours to write.
//
// Check it:       cargo exercise lesson-03-listen
// Stuck?          cargo hint lesson-03-listen      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-03-listen

use std::io;

#[allow(unused_imports)]
use socket2::Socket;

// ANCHOR: exercise
/// Turn the bound `socket` into a listening one, with room in its accept queue for `backlog`
/// connections that the kernel has completed and the program has not accepted yet.
///
/// The contract (what the checks test):
/// - Afterwards the socket listens: clients' connections complete, and wait for accept().
/// - The kernel is given `backlog` itself, the number the caller chose (not a number of your
///   own). A number too large for listen()'s C `int` asks for the most there is: it must not
///   wrap around into a small (or negative) one. The kernel caps it anyway.
/// - A backlog of 0 (a queue with no room; systems disagree on what it means) is refused: return
///   an error of kind `ErrorKind::InvalidInput`, and leave the socket as it was, NOT listening.
///   Any message will do.
/// - A socket that was never bound is refused too, with the same kind of error: listen()
///   would bind it itself, to a port the kernel picks, on every address of the machine, and
///   no client would know where to connect. Leave it as it was: unbound, not listening.
/// - An error from the kernel is returned as it is.
/// - Print nothing: the lesson narrates the call around your function.
pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    let _ = (socket, backlog);
    todo!("make the socket listen, with the backlog given")
}
// ANCHOR_END: exercise
