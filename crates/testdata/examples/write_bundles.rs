//! Write the generated bundles (`target/bundles/`, see `whodunnit_testdata::bundles`) and print
//! their folder: the browser tests drop them. Prints nothing (exit 0) without the corpus.

fn main() {
    if let Some(dir) = whodunnit_testdata::bundles::dir() {
        println!("{}", dir.display());
    }
}
