errspec::catalog!("spec/tpomail.yaml");

fn main() {}
