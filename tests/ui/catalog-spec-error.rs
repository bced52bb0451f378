errspec_macros::catalog!("spec/broken.yaml");

fn main() {}
