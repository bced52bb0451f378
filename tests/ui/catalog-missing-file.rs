errspec_macros::catalog!("spec/tpomail.yaml");

fn main() {}
