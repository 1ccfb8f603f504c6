//! Workspace automation. Run `cargo xtask help`.

fn main() {
    println!("xtask: nothing yet");
}
