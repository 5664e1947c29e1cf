//! Entry point of the Web Worker binary (see `whodunnit_web::worker`).
fn main() {
    whodunnit_web::worker::run();
}
