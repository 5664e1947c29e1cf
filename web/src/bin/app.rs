//! Entry point of the UI binary (see `whodunnit_web::app`).
fn main() {
    whodunnit_web::app::run();
}
